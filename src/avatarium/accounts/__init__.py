"""User accounts: registration, login, tiers."""
