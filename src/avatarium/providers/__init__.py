"""Model and voice providers behind two small contracts (see base.py)."""
