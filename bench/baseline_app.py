"""The baselines: bare Starlette apps returning the same envelopes, served with the same settings.

`/v1/avatars` and `/v1/conversations/{id}` return stored payloads (no work at all);
`/db/conversations/{id}` does the database work that ours does on a cache miss (the key
lookup and the conversation with its messages, with the same statements): what every
request would cost without the read caches.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from avatarium.auth import keys
from avatarium.auth.repository import key_by_digest
from avatarium.config import Settings
from avatarium.conversations import repository
from avatarium.conversations.schemas import conversation_out, message_out
from avatarium.db.engine import make_engine, make_sessionmaker

_PAYLOADS = json.loads(Path(os.environ["BENCH_PAYLOADS"]).read_text())
_SESSIONS = make_sessionmaker(make_engine(Settings().resolved_database_url))


def _envelope(data: object, status: int = 200) -> JSONResponse:
    return JSONResponse({"data": data, "meta": {"requestId": "req_" + secrets.token_hex(12)}}, status)


async def avatars(_request: Request) -> JSONResponse:
    return _envelope(_PAYLOADS["avatars"])


async def conversation(_request: Request) -> JSONResponse:
    return _envelope(_PAYLOADS["conversation"])


async def conversation_from_db(request: Request) -> JSONResponse:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    async with _SESSIONS() as session:
        caller = await key_by_digest(session, keys.hash_key(token))
        if caller is None or caller.revoked:
            return _envelope(None, 401)
        found, messages = await repository.get_with_messages(
            session, caller.user_id, uuid.UUID(request.path_params["conversation_id"])
        )
        await session.commit()
    if found is None:
        return _envelope(None, 404)
    return _envelope({**conversation_out(found), "messages": [message_out(m) for m in messages]})


app = Starlette(
    routes=[
        Route("/v1/avatars", avatars),
        Route("/v1/conversations/{conversation_id}", conversation),
        Route("/db/conversations/{conversation_id}", conversation_from_db),
    ]
)
