"""Preset catalogues (avatars, personas, voices) kept as data files, loaded once."""
