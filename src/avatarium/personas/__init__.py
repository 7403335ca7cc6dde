"""Persona presets by vertical."""
