"""Tenants (the five municipalities), isolation settings and the regional overview
(``regional.py``); tenant administration comes later."""
