"""Conditional requests (RFC 9110 section 13): entity tags compared as the standard says."""

from __future__ import annotations

import re

_ENTITY_TAG = re.compile(r'(?:W/)?"[^"]*"')


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison; `*` names any), i.e. whether to answer 304."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(_opaque(tag) == _opaque(etag) for tag in _ENTITY_TAG.findall(if_none_match))
