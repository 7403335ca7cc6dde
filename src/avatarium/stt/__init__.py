"""Speech-to-text over HTTP: GET /v1/stt/models and POST /v1/stt."""
