"""The data/meta envelope, camelCase wire models and timestamp format."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel


def iso(value: datetime) -> str:
    """ISO 8601 UTC with milliseconds and `Z`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


Timestamp = Annotated[datetime, PlainSerializer(iso, return_type=str)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class WireModel(BaseModel):
    """Base of every wire model: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def request_id_of(scope_state: dict[str, Any]) -> str:
    rid = scope_state.get("request_id")
    return rid if isinstance(rid, str) else new_request_id()


def success(data: Any, request_id: str, **meta: Any) -> dict[str, Any]:
    return {"data": data, "meta": {"requestId": request_id, **meta}}


def failure(code: str, message: str, request_id: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error, "meta": {"requestId": request_id}}


def public_base(configured: str | None, request_base_url: str) -> str:
    """The base of absolute URLs: the configured public URL, else the one the client used."""
    return (configured or request_base_url).rstrip("/")
