"""The care director's own view of the trajectories handed to their organisation."""
