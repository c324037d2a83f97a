"""HTTP blueprints; ``http.endpoint`` is the one place where errors become responses."""
