"""Cross-cutting pieces. Nothing here imports a feature package."""
