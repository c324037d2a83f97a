"""The whole stack in one process on loopback: moto's server, the 7stamp sandbox, the connector's API, its workers.

Everything runs on threads of this process, so stopping it (Ctrl-C) leaves nothing behind.
The environment the connector reads (AWS endpoint and fake credentials, table and queue
names from ``provision``, 7stamp's URL, the public URL) is set before the connector is
imported, and the connector's services are built from it, so the code path is the
one the Lambdas run, pointed at moto.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from pathlib import Path

    from chalicelib.container import Services
    from sandbox import Sandbox
    from stack.connector import ConnectorServer
    from stack.saved_state import SavedState, Snapshots
    from stack.worker import Worker

HOST = "127.0.0.1"
REGION = "us-east-1"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
REAL_AWS_ONLY = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class PortInUse(Exception):
    """A port the stack needs is taken; the message names the variable that moves it."""

    def __init__(self, variable: str, port: int) -> None:
        super().__init__(f"{variable} {port} is in use; set {variable} to a free port")
        self.variable = variable
        self.port = port


@dataclass(frozen=True)
class Ports:
    """The loopback ports: CONNECTOR_PORT, SANDBOX_PORT, MOTO_PORT."""

    connector: int
    sandbox: int
    moto: int


def ensure_free(variable: str, port: int, host: str = HOST) -> None:
    """Bind and release, as the servers will (SO_REUSEADDR, so a lingering TIME_WAIT does not count as in use)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise PortInUse(variable, port) from None


class _MotoServer(ThreadedMotoServer):
    """moto's threaded server, but a failed bind is reported instead of leaving ``start()`` waiting forever."""

    bind_error: OSError | None = None

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except OSError as exc:
            self.bind_error = exc
            self._server_ready_event.set()


def _latest(arn: str) -> dict[str, str | None]:
    """An iterator at the end of each shard of the stream: the worker reads only what is written after this moment."""
    import boto3

    streams = boto3.session.Session(region_name=REGION).client("dynamodbstreams")
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"].get("Shards", [])
    return {
        s["ShardId"]: streams.get_shard_iterator(StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]
        for s in shards
    }


def _fresh_services() -> Services:
    """The connector's services built from the environment just set (app.py may have been imported under an older one)."""
    import app as connector_app
    from chalicelib import container

    return connector_app.use(container.from_environment())


class LocalStack:
    """Starts and stops the parts in order; ``sevenstamp_url`` set means a real 7stamp and no sandbox."""

    def __init__(
        self,
        ports: Ports,
        *,
        sevenstamp_url: str | None = None,
        public_url: str | None = None,
        allow_private_targets: str = "1",
        sandbox_rate_limit: float | None = 10.0,
        data_folder: Path | None = None,
    ) -> None:
        self.ports = ports
        self.sevenstamp_url = sevenstamp_url or f"http://{HOST}:{ports.sandbox}"
        self.connector_url = f"http://{HOST}:{ports.connector}"
        self.public_url = public_url or self.connector_url
        self.moto_url = f"http://{HOST}:{ports.moto}"
        self._external = sevenstamp_url is not None
        self._allow_private_targets = allow_private_targets
        self._sandbox_rate_limit = sandbox_rate_limit
        self.sandbox: Sandbox | None = None
        self._moto: _MotoServer | None = None
        self._connector: ConnectorServer | None = None
        self._worker: Worker | None = None
        self.services: Services | None = None  # the connector's, once started
        self.data_folder = data_folder  # None: nothing kept across a restart (tests, benchmarks, the self-started demo)
        self.loaded: dict[str, int] | None = None  # what a saved state put back: items per table
        self._saved: SavedState | None = None
        self._snapshots: Snapshots | None = None

    def start(self) -> LocalStack:
        """Check every port first (nothing starts when one is taken), then start; a failure stops what started."""
        ensure_free("CONNECTOR_PORT", self.ports.connector)
        ensure_free("MOTO_PORT", self.ports.moto)
        if not self._external:
            ensure_free("SANDBOX_PORT", self.ports.sandbox)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from stack import moto_atomic, moto_sqs
        from stack.provision import provision, stream_arn

        moto_atomic.install()
        moto_sqs.install()
        self._moto = _MotoServer(ip_address=HOST, port=self.ports.moto, verbose=False)
        self._moto.start()
        if self._moto.bind_error is not None:
            self._moto = None
            raise PortInUse("MOTO_PORT", self.ports.moto)
        for name in REAL_AWS_ONLY:
            os.environ.pop(name, None)
        os.environ.update(FAKE_AWS, AWS_ENDPOINT_URL=self.moto_url)
        resources = provision(region=REGION)
        os.environ.update(resources)
        iterators: dict[str, str | None] = {}
        saved = None
        if self.data_folder is not None:
            from stack.saved_state import SavedState

            self._saved = SavedState(self.data_folder, resources, REGION)
            saved = self._saved.read()
            if saved is not None:
                arn = stream_arn(resources["EVENTS_TABLE"], region=REGION)
                self.loaded = self._saved.load(saved, lambda: iterators.update(_latest(arn)))
        if not self._external:
            self._start_sandbox(saved.get("sandbox") if saved else None)
        os.environ.update(
            SEVENSTAMP_API_URL=self.sevenstamp_url,
            CONNECTOR_PUBLIC_URL=self.public_url,
            CONNECTOR_ALLOW_PRIVATE_TARGETS=self._allow_private_targets,
            CONNECTOR_PORT=str(self.ports.connector),
            SANDBOX_PORT=str(self.ports.sandbox),
            MOTO_PORT=str(self.ports.moto),
        )
        self.services = _fresh_services()

        from stack.connector import ConnectorServer
        from stack.worker import Worker

        try:
            self._connector = ConnectorServer(HOST, self.ports.connector).start()
        except OSError:
            raise PortInUse("CONNECTOR_PORT", self.ports.connector) from None
        self._worker = Worker(stream_arn(resources["EVENTS_TABLE"], region=REGION), iterators=iterators).start()
        if self._saved is not None:
            from stack.saved_state import Snapshots

            self._snapshots = Snapshots(self.save).start()

    def save(self) -> dict[str, int] | None:
        """Write the state to the data folder now (the snapshots call it; so does a clean stop); None without a folder."""
        if self._saved is None:
            return None
        return self._saved.save(self.sandbox.state.saved() if self.sandbox is not None else None)

    def _start_sandbox(self, saved: dict[str, object] | None) -> None:
        from sandbox import Sandbox

        sandbox = Sandbox(rate_limit_per_second=self._sandbox_rate_limit)
        if saved is not None:
            sandbox.state.load_saved(saved)
        try:
            sandbox.start(HOST, self.ports.sandbox)
        except OSError:
            raise PortInUse("SANDBOX_PORT", self.ports.sandbox) from None
        self.sandbox = sandbox

    def stop(self) -> None:
        """Workers first (they call the others), then whatever sends work in, then the last save, then storage; safe to call twice.

        The last save is made only by a stack that started completely, so a failed start
        never writes a partial state over the one it was loading.
        """
        started = self._snapshots is not None
        if self._snapshots is not None:
            self._snapshots.stop()
            self._snapshots = None
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        sandbox_state = None
        if self.sandbox is not None:
            self.sandbox.stop()
            sandbox_state = self.sandbox.state.saved()
            self.sandbox = None
        if self._connector is not None:
            self._connector.stop()
            self._connector = None
        if started and self._saved is not None:
            self._saved.save(sandbox_state)
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
