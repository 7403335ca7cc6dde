"""The openai provider."""
