"""Avatar presets and their 3D models."""
