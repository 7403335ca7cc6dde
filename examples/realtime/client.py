"""A minimal realtime client: one conversation turn over the socket, the reply's audio saved as WAV files.

    pip install httpx websockets
    python client.py --base-url http://127.0.0.1:8000 --api-key ak_... --out replies "Hello there!"

Prints the reply as it is written, then one line per audio clip; exits 1 on an `error` event.
The protocol: docs/realtime.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from pathlib import Path

import httpx
from websockets.asyncio.client import connect


async def talk(base_url: str, api_key: str, avatar: str, text: str, out: Path) -> int:
    auth = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=base_url.rstrip("/") + "/v1", headers=auth, timeout=30) as http:
        created = await http.post("/conversations", json={"avatarId": avatar})
        if created.status_code != 201:
            print(f"could not create a conversation: {created.json()['error']['message']}", file=sys.stderr)
            return 1
        conversation = created.json()["data"]

    async with connect(conversation["wsUrl"], additional_headers=auth, max_size=None) as ws:
        async for frame in ws:
            event = json.loads(frame)
            kind = event["type"]
            if kind == "ready":
                await ws.send(json.dumps({"type": "message", "content": text}))
            elif kind == "reply.delta":
                print(event["text"], end="", flush=True)
            elif kind == "audio":
                path = out / f"{event['messageId']}-{event['seq']:03d}.wav"
                path.write_bytes(base64.b64decode(event["data"]))
                print(f"\n[audio {event['seq']}: {event['durationMs']} ms, {len(event['visemes'])} visemes] {path}")
            elif kind == "reply.done":
                metrics = event["message"].get("metrics", {})
                print(f"\n[done: first text {metrics.get('ttftMs')} ms, first audio {metrics.get('ttfaMs')} ms]")
                await ws.send(json.dumps({"type": "end"}))
            elif kind == "ended":
                return 0
            elif kind == "error":
                print(f"\nerror {event['error']['code']}: {event['error']['message']}", file=sys.stderr)
                return 1
    print(f"the socket closed: {ws.close_code} {ws.close_reason}", file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--avatar", default="kai")
    parser.add_argument("--out", type=Path, default=Path("replies"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(talk(args.base_url, args.api_key, args.avatar, args.text, args.out))


if __name__ == "__main__":
    sys.exit(main())
