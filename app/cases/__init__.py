"""Clients, cases and the five life domains (the aftercare file)."""
