"""The access log of client data (NEN 7513): who read, changed, searched, exported or
printed what of which client, when, in which role, on whose behalf, from where."""
