"""The anthropic provider."""
