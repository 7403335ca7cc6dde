"""Embedded providers that run on this machine with no network: SmolLM2 and Piper."""
