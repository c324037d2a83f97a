"""The Zapier and Make apps, generated from the catalog of the definitions in ``triggers/`` and ``actions/``.

``platforms.zapier.generate`` and ``platforms.make.generate`` each turn ``catalog.catalog()``
and a connector URL into the files of a complete app; ``platforms.export`` writes them.
"""
