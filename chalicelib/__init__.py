"""The connector's machinery: everything app.py wires together."""
