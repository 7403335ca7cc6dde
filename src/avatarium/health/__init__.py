"""Health checks (never rate limited)."""
