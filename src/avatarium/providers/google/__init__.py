"""The google provider."""
