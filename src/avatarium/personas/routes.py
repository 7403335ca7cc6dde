from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from avatarium.deps import StateDep, public_caller
from avatarium.envelope import WireModel, enveloped
from avatarium.errors import ApiError, not_found
from avatarium.openapi import errors
from avatarium.presets.catalog import Persona
from avatarium.responses import ok

router = APIRouter(tags=["personas"], dependencies=[Depends(public_caller)])


class PersonaOut(WireModel):
    id: str
    name: str
    vertical: str
    description: str
    system_prompt: str
    greeting: str
    default_avatar_id: str
    default_voice_id: str
    traits: list[str]


def persona_out(persona: Persona) -> dict[str, object]:
    return PersonaOut.model_validate(persona).wire()


@router.get("/personas", summary="List all persona presets", response_model=enveloped(list[PersonaOut]))
async def list_personas(request: Request, state: StateDep) -> JSONResponse:
    return ok(request, [persona_out(p) for p in state.catalog.personas.values()])


@router.get(
    "/personas/id/{persona_id}",
    summary="Get a specific persona by ID",
    response_model=enveloped(PersonaOut),
    responses=errors(404),
)
async def get_persona(request: Request, state: StateDep, persona_id: str) -> JSONResponse:
    persona = state.catalog.personas.get(persona_id)
    if persona is None:
        raise not_found(f"Persona '{persona_id}'")
    return ok(request, persona_out(persona))


@router.get(
    "/personas/{vertical}",
    summary="List personas by vertical",
    response_model=enveloped(list[PersonaOut]),
    responses=errors(404),
)
async def list_by_vertical(request: Request, state: StateDep, vertical: str) -> JSONResponse:
    known = state.catalog.verticals()
    if vertical not in known:
        raise ApiError(404, f"Unknown vertical '{vertical}'; known verticals: {', '.join(known)}")
    return ok(request, [persona_out(p) for p in state.catalog.personas.values() if p.vertical == vertical])
