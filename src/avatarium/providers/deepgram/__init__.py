"""The deepgram provider."""
