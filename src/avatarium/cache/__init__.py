"""Read caches that a write on any instance invalidates before it is answered.

The hottest reads (the account behind a key or token, a conversation with its
messages) are served from memory. Every cached value carries the *stamp* of its
key ("user:<id>", "conversation:<id>") as it was read; every write that changes
such a key replaces the stamp after its commit, and every read compares the current
stamp with the cached one. So a committed change — a revoked key, a new tier, a
message stored by another instance's socket — is seen by the very next read on
every instance, as the contract requires of revocation.

Stamps are read *before* the database and replaced *after* the commit: a read racing
a write can cache a value whose stamp is already outdated, never a stale value under
a current stamp. See `stamps.py` for where the stamps live.
"""
