"""Google Gemini streamGenerateContent with alt=sse (https://ai.google.dev/api/generate-content)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testkit.fakes.vendors.harness import KEYS, WORDS, answering, data, json_call, sse


async def stream(request: Request) -> Response:
    if request.query_params.get("alt") != "sse":
        return JSONResponse({"error": "alt=sse expected"}, 400)
    _, body = await json_call(request, {"google": KEYS["google"]}, ("contents",))
    if any(c["role"] not in ("user", "model") for c in body["contents"]):
        return JSONResponse({"error": "bad role"}, 400)
    chunks = [data({"candidates": [{"content": {"parts": [{"text": w}], "role": "model"}}]}) for w in WORDS]
    last = {"candidates": [{"content": {"parts": [], "role": "model"}, "finishReason": "STOP"}]}
    chunks.append(data({**last, "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": len(WORDS)}}))
    return sse(chunks)


ROUTES = [Route("/v1beta/models/{model}:streamGenerateContent", answering(stream), methods=["POST"])]
