"""The xai provider."""
