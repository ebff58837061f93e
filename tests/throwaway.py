"""Models that only a test defines are taken out again, whole: their table from the
metadata and their class from the mapper registry.

``db.metadata.remove`` alone leaves the mapper behind, so every test after it that lists
the mapped models (a factory per model, the RLS catalogue, the municipality's catalogue
of tenant tables) would see a model whose table is gone.
"""

from __future__ import annotations

import sys

from app.extensions import db


def forget_model(model: type, module: str | None = None) -> None:
    """Unmap ``model`` and drop its table from the metadata; ``module`` (the test-only
    package that defined it) is forgotten too, so that importing it again defines it anew."""
    db.metadata.remove(model.__table__)
    # SQLAlchemy has no public way to unmap one class.
    registry = db.Model.registry
    manager = model._sa_class_manager
    registry._dispose_manager_and_mapper(manager)
    registry._managers.pop(manager, None)
    if module is not None:
        sys.modules.pop(module, None)
