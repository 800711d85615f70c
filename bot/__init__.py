"""Atelier's platform-neutral bot core."""
