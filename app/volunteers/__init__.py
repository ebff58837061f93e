"""Volunteers, screening, circles and the mentor portal (built in a later issue)."""
