"""Where uploaded files live: a directory under the data dir, or S3-compatible object storage."""
