"""The municipality's partner organisations (see models.py)."""
