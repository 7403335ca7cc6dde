"""The account tiers and the requests per minute each one gets (the seed's table)."""

from __future__ import annotations

TIER_LIMITS = {"free": 10, "creator": 30, "pro": 60}
TIERS = ("free", "creator", "pro", "enterprise")


def tier_limit(tier: str, custom: int | None, enterprise_default: int) -> int:
    """Requests per minute for an account: the operator's number wins, then the tier table."""
    if custom is not None:
        return custom
    return TIER_LIMITS.get(tier, enterprise_default)
