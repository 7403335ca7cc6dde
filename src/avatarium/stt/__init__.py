"""Speech-to-text over HTTP: POST /v1/stt."""
