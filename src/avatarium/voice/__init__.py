"""Voice input: resampling, voice activity detection and turn detection, independent of any transport."""
