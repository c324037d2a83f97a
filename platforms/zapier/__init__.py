"""The Zapier Platform CLI app, generated from the catalog (``generate.py``, JS from ``templates/``).

This folder's ``package.json`` is the test harness's: it pins the zapier-platform-core and
zapier-platform-schema versions the tests run and validate the generated app with.
"""
