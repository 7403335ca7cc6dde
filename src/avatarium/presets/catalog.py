"""The preset catalogue: avatars and personas read once from the JSON files beside this module, with each
avatar's model and thumbnail (built by `assets/build.py`). Voices belong to their providers (avatarium.providers)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from importlib.resources import files
from typing import Any

VERTICALS = ("education", "support", "sales", "healthcare", "entertainment")


@dataclass(frozen=True)
class Model3D:
    """A file served as is (a model or a thumbnail), with its digest for ETags."""

    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def etag(self) -> str:
        return f'"{self.sha256[:32]}"'


@dataclass(frozen=True)
class Avatar:
    id: str
    name: str
    description: str
    style: str
    gender: str
    tags: list[str]
    default_voice_id: str
    default_persona_id: str
    created_at: datetime


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    vertical: str
    description: str
    system_prompt: str
    greeting: str
    default_avatar_id: str
    default_voice_id: str
    traits: list[str]


def _load(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(files("avatarium.presets").joinpath(name).read_text("utf-8"))
    return data


def _snake(record: dict[str, Any]) -> dict[str, Any]:
    return {"".join("_" + c.lower() if c.isupper() else c for c in k): v for k, v in record.items()}


@dataclass(eq=False)
class Catalog:
    avatars: dict[str, Avatar]
    personas: dict[str, Persona]
    models: dict[str, Model3D] = field(default_factory=dict)
    thumbnails: dict[str, Model3D] = field(default_factory=dict)

    @classmethod
    @cache
    def load(cls) -> Catalog:
        """The presets shipped with the package; read once per process and shared."""
        avatars = {}
        for raw in _load("avatars.json"):
            record = _snake(raw)
            record["created_at"] = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00"))
            avatars[record["id"]] = Avatar(**record)
        personas = {p["id"]: Persona(**_snake(p)) for p in _load("personas.json")}
        folder = files("avatarium.presets")
        models = {a: Model3D(folder.joinpath("models", f"{a}.glb").read_bytes()) for a in avatars}
        thumbnails = {a: Model3D(folder.joinpath("thumbnails", f"{a}.png").read_bytes()) for a in avatars}
        return cls(avatars, personas, models, thumbnails)

    def model(self, avatar: Avatar) -> Model3D:
        return self.models[avatar.id]

    def thumbnail(self, avatar: Avatar) -> Model3D:
        return self.thumbnails[avatar.id]

    def verticals(self) -> list[str]:
        known = {p.vertical for p in self.personas.values()}
        return [v for v in VERTICALS if v in known] + sorted(known - set(VERTICALS))
