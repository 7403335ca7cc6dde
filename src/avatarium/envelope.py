"""The data/meta envelope, camelCase wire models and timestamp format."""

from __future__ import annotations

import secrets
import types
from collections.abc import MutableMapping
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, create_model
from pydantic.alias_generators import to_camel


def iso(value: datetime) -> str:
    """ISO 8601 UTC with milliseconds and `Z`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class WireModel(BaseModel):
    """Base of every wire model: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class WireIn(WireModel):
    """Base of request bodies: values of the JSON types the document gives (no `"5"` for 5, no `0` for false)."""

    model_config = ConfigDict(strict=True)


class Meta(WireModel):
    request_id: str
    next_cursor: str | None = Field(
        default=None, description="Paginated lists only: the `cursor` of the next page, null on the last one"
    )


T = TypeVar("T")


def _type_name(kind: Any) -> str:
    """A schema's name for `kind`: `list[AvatarOut]` is `AvatarOutList`."""
    origin = get_origin(kind)
    if origin is list:
        return _type_name(get_args(kind)[0]) + "List"
    if origin in (Union, types.UnionType):
        return "Or".join(_type_name(arg) for arg in get_args(kind))
    return str(getattr(kind, "__name__", kind))


class Envelope(WireModel, Generic[T]):
    """`{data, meta}`, how every success is answered."""

    data: T
    meta: Meta


@cache
def enveloped(data: Any) -> type[BaseModel]:
    """`Envelope[data]` under a name fit for client generators: the `response_model` of a route answering `data`."""
    return create_model(_type_name(data) + "Envelope", __base__=Envelope[data])


class ErrorDetail(WireModel):
    field: str
    issue: str


class ErrorOut(WireModel):
    code: str = Field(description="The status's name: BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, TOO_MANY_REQUESTS, …")
    message: str
    details: list[ErrorDetail] | None = Field(default=None, description="Present when fields were at fault")


class ErrorEnvelope(WireModel):
    """`{error, meta}`, how every failure is answered."""

    error: ErrorOut
    meta: Meta


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


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def public_base(configured: str | None, scope: MutableMapping[str, Any]) -> str:
    """The base of absolute URLs: the configured public URL, else the one the client used.

    The latter is Starlette's `request.base_url`, without building URL objects: the avatar
    list, a hot read, needs it on every request.
    """
    if configured:
        return configured.rstrip("/")
    scheme, root = scope.get("scheme", "http"), scope.get("root_path", "").rstrip("/")
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return f"{scheme}://{value.decode('latin-1')}{root}"
    host, port = scope.get("server") or ("localhost", _DEFAULT_PORTS.get(scheme))
    return f"{scheme}://{host}{root}" if port == _DEFAULT_PORTS.get(scheme) else f"{scheme}://{host}:{port}{root}"
