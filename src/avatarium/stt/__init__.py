"""Speech-to-text: the models that turn the user's voice into text."""
