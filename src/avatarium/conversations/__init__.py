"""Conversations with an avatar: sessions, messages, replies."""
