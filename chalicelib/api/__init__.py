"""The HTTP layer: route blueprints, their models and bodies, the OpenAPI document; ``http.endpoint`` turns errors into responses.

Nothing below this package imports it; ``routes.blueprints()`` is the list app.py registers.
"""
