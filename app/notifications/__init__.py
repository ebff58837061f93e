"""In-portal notices: the same content as the mail, on a list per user, refreshed by htmx."""
