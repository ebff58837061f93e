"""The plan of a case: tasks per life domain keyed to the release date, from templates."""
