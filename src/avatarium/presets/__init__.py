"""Preset catalogues (avatars, personas) kept as data files, loaded once."""
