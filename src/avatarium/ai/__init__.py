"""AI models catalogue and raw chat completions."""
