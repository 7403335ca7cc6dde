"""Text-to-speech: synthesis results with audio and viseme timings."""
