"""Tenants (the municipalities), isolation settings and the regional overview
(``regional.py``); joining, exporting and leaving by the CLI (``lifecycle.py``,
``export.py``, ``import_.py``; ``flask tenants --help``)."""
