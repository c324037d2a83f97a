'use strict';
/**
 * Runs a generated Zapier app with Zapier's own runtime, for the pytest tests beside this file.
 *
 * Usage: NODE_ENV=test NODE_PATH=platforms/zapier/node_modules node zapier_driver.js <app dir>
 * Reads one JSON command per line on stdin and answers one JSON line on stdout:
 *   {"op": "validate"}                      -> {"ok": true, "result": [validateAppDefinition errors]}
 *   {"op": "run", "method": "creates.add_stamp.operation.perform", "bundle": {...}}
 *                                           -> {"ok": true, "result": ...} or {"ok": false, "error": {name, message}}
 *   {"op": "definition"}                    -> {"ok": true, "result": the app definition, functions as placeholders}
 *   {"op": "answer", "status": 409, "body": {...}, "headers": {...}}
 *                                           -> {"ok": true, "result": {name, message}}: the error the app's afterResponse raises
 * Every outbound connection must go to the loopback address: anything else is refused here.
 */
const net = require('net');
const path = require('path');
const readline = require('readline');

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const options = typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0]) ? args[0] : { host: args[1] };
  const host = options.host || 'localhost';
  if (!options.path && !LOOPBACK.has(host)) {
    throw new Error(`zapier_driver: refused a connection to ${host}; tests reach 127.0.0.1 only`);
  }
  return connect.apply(this, args);
};

const zapier = require('zapier-platform-core');
const { validateAppDefinition } = require('zapier-platform-schema');
const cleaner = require('zapier-platform-core/src/tools/cleaner');

const App = require(path.resolve(process.argv[2]));
const appTester = zapier.createAppTester(App);

/** The function at a dotted path of the app, e.g. `triggers.stamp_added.operation.perform`. */
const methodAt = (dotted) => {
  const found = dotted.split('.').reduce((node, key) => (node == null ? undefined : node[key]), App);
  if (typeof found !== 'function') {
    throw new Error(`no function at ${dotted}`);
  }
  return found;
};

const handle = async (command) => {
  if (command.op === 'validate') {
    // What `zapier validate` checks locally: functions stand in as placeholders, as the CLI does.
    return validateAppDefinition(cleaner.recurseCleanFuncs(App)).errors.map((e) => `${e.property}: ${e.message}`);
  }
  if (command.op === 'definition') {
    return cleaner.recurseCleanFuncs(App);
  }
  if (command.op === 'answer') {
    const response = {
      status: command.status,
      data: command.body,
      getHeader: (name) => (command.headers || {})[name.toLowerCase()],
    };
    try {
      App.afterResponse.forEach((middleware) => middleware(response, { errors: zapier.errors }));
    } catch (error) {
      return { name: error.name, message: error.message };
    }
    return null;
  }
  if (command.op === 'run') {
    return appTester(methodAt(command.method), command.bundle || {});
  }
  throw new Error(`unknown op ${command.op}`);
};

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const command = JSON.parse(line);
  let answer;
  try {
    answer = { id: command.id, ok: true, result: (await handle(command)) ?? null };
  } catch (error) {
    answer = { id: command.id, ok: false, error: { name: error.name, message: error.message } };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
