"""API keys: created, listed and revoked by their owner with a user JWT."""
