"""The groq provider."""
