"""The access log of client data (NEN 7513): who read, changed, searched or exported what
of which client (the PDF export is the print of a file), or revealed a citizen number,
when, in which role, from where. ``on_behalf_of`` is empty until a role acts for someone
else."""
