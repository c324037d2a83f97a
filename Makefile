# The project's commands. `make run` and `make test` are the README's two set-up commands:
# each creates the virtual environment and installs what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := platforms/zapier/node_modules/.installed
STAGE ?= dev

.PHONY: run test demo export package deploy lint bench unpark client rehearse clients upgrade-all destroy

$(INSTALLED): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@/sbin/ldconfig -p | grep -q 'libcairo.so.2 ' || { apt-get update -qq && apt-get install -y -qq libcairo2 >/dev/null; }  # cairosvg's
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade 'pip<26.3'
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(NODE_INSTALLED): platforms/zapier/package.json
	@cd platforms/zapier && npm install --no-audit --no-fund --loglevel=error
	@touch $@

# The n8n tests' own Node folders: a real n8n (its SQLite driver builds from source, a few
# minutes once) and n8n's @n8n/node-cli for the exported package's lint and build.
N8N_INSTALLED := tests/platforms/n8n/node_modules/.installed
N8N_CLI_INSTALLED := tests/platforms/n8n-cli/node_modules/.installed
# Zapier's CLI (zapier-platform-cli), whose commands the README's and the export's steps must name.
ZAPIER_CLI_INSTALLED := tests/platforms/zapier-cli/node_modules/.installed
# The MCP Inspector's CLI, which a test drives against /mcp.
MCP_INSPECTOR_INSTALLED := tests/platforms/mcp-inspector/node_modules/.installed

$(N8N_INSTALLED): tests/platforms/n8n/package.json tests/platforms/n8n/package-lock.json
	@cd tests/platforms/n8n && npm ci --no-audit --no-fund --loglevel=error  # exactly the lock: the working tree stays as committed
	@touch $@

$(N8N_CLI_INSTALLED): tests/platforms/n8n-cli/package.json tests/platforms/n8n-cli/package-lock.json
	@cd tests/platforms/n8n-cli && npm install --no-audit --no-fund --loglevel=error
	@touch $@

$(MCP_INSPECTOR_INSTALLED): tests/platforms/mcp-inspector/package.json tests/platforms/mcp-inspector/package-lock.json
	@cd tests/platforms/mcp-inspector && npm ci --no-audit --no-fund --loglevel=error  # exactly the lock
	@touch $@

$(ZAPIER_CLI_INSTALLED): tests/platforms/zapier-cli/package.json tests/platforms/zapier-cli/package-lock.json
	@cd tests/platforms/zapier-cli && npm ci --no-audit --no-fund --loglevel=error  # exactly the lock
	@touch $@

# The console's browser test drives Debian's headless Chromium (Playwright's own browser
# download cannot be used here); installed from Debian's packages when missing.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@echo "Installing Debian's chromium for the console's browser test…"
	@apt-get update -qq && apt-get install -y -qq chromium >/dev/null

run: $(INSTALLED)
	@$(BIN)/python -m stack $(if $(filter 1,$(RESET)),--reset)

# The suite runs in parallel processes (pytest-xdist), a test file per process at a time, each process with its own
# moto server, sandbox and connector on free ports; most of a test's time is spent waiting on sockets and child
# processes, so more processes than the machine's 2 cores pay. TEST_WORKERS=0 runs it in this process alone.
TEST_WORKERS ?= 4

test: $(INSTALLED) $(NODE_INSTALLED) $(N8N_INSTALLED) $(N8N_CLI_INSTALLED) $(ZAPIER_CLI_INSTALLED) $(MCP_INSPECTOR_INSTALLED) $(CHROMIUM)
	@$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

demo: $(INSTALLED)
	@$(BIN)/python -m stack.demo

export: $(INSTALLED)
	@test -n "$(PLATFORM)" -a -n "$(URL)$(filter-out dev,$(STAGE))" -a -n "$(OUT)" || { echo "usage: make export PLATFORM=zapier|make|n8n|powerautomate|mcp (URL=https://... | STAGE=client) OUT=dir [VERSION=1.2.0]"; exit 2; }
	@$(BIN)/python -m platforms.export --platform "$(PLATFORM)" $(if $(URL),--url "$(URL)",--stage "$(STAGE)") --out "$(OUT)" $(if $(VERSION),--version "$(VERSION)")

package: $(INSTALLED)
	@$(BIN)/python -m infra.package --stage $(STAGE) --out build/$(STAGE)

# An agency's clients, one stack each (the README's deploy section): record, deploy, rehearse on moto, list, upgrade, remove.
# Only values given on make's command line count: a SEVENSTAMP_API_URL or REGION in the shell's environment is not recorded.
cli_arg = $(if $(filter command line,$(origin $(1))),--$(2) "$($(1))")
CLIENT_OPTIONS := ACCOUNT:account REGION:region PROFILE:profile ALARM_EMAIL:alarm-email DOMAIN:domain PHONE_REGION:phone-region \
	SEVENSTAMP_API_URL:sevenstamp-api-url ALLOWED_LOCATIONS:allowed-locations ALLOWED_BUSINESSES:allowed-businesses
named_stage = $(if $(filter command line,$(origin STAGE)),,$(error give the client: make $@ STAGE=<name>))

client: $(INSTALLED)
	@$(named_stage)$(BIN)/python -m infra.clients --stage "$(STAGE)" \
		$(foreach o,$(CLIENT_OPTIONS),$(call cli_arg,$(word 1,$(subst :, ,$(o))),$(word 2,$(subst :, ,$(o)))))

deploy: $(INSTALLED)
	@$(BIN)/python -m infra.deploy --stage $(STAGE) $(if $(BUCKET),--bucket $(BUCKET))

rehearse: $(INSTALLED)
	@$(BIN)/python -m infra.rehearse --stage $(STAGE)

clients: $(INSTALLED)
	@$(BIN)/python -m infra.fleet list

upgrade-all: $(INSTALLED)
	@$(BIN)/python -m infra.fleet upgrade

destroy: $(INSTALLED)
	@$(named_stage)$(BIN)/python -m infra.destroy --stage $(STAGE) $(if $(YES),--yes) $(if $(DELETE_DATA),--delete-data)

unpark: $(INSTALLED)
	@$(BIN)/python -m stack.unpark $(if $(filter command line environment,$(origin STAGE)),--stage "$(STAGE)")

lint: $(INSTALLED)
	@$(BIN)/ruff format --check . && $(BIN)/ruff check . && $(BIN)/mypy

BENCH_INSTALLED := benchmarks/node_modules/.installed

$(BENCH_INSTALLED): benchmarks/package.json
	@cd benchmarks && npm install --no-audit --no-fund --loglevel=error
	@touch $@

bench: $(INSTALLED) $(BENCH_INSTALLED)
	@$(BIN)/python -m benchmarks.import_time && $(BIN)/python -m benchmarks.fanout && $(BIN)/python -m benchmarks.polling
	@$(BIN)/python -m benchmarks.body_check
	@$(BIN)/python -m benchmarks.sevenstamp_client && $(BIN)/python -m benchmarks.cost
	@$(BIN)/python -m benchmarks.load
	@$(BIN)/python -m benchmarks.throughput
	@$(BIN)/python -m benchmarks.isolation
