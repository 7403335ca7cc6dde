"""Authentication: one Principal for API keys and user JWTs."""
