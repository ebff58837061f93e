"""Tenants (the five municipalities), isolation settings and, later, the regional overview."""
