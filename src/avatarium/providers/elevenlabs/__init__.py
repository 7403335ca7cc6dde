"""The elevenlabs provider."""
