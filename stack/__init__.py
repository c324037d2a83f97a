"""The local stack: moto's server, the sandbox, the connector's HTTP API and its workers, on loopback."""
