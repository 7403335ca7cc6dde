"""Realtime conversations over WebSocket: turns, sentence audio, barge-in, fan-out."""
