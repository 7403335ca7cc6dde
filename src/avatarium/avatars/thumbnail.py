"""A small SVG portrait of an avatar in its own colours, served as its thumbnail."""

from __future__ import annotations

from collections.abc import Sequence

from avatarium.presets.catalog import Avatar


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c * 255))):02x}" for c in rgb)


def render(avatar: Avatar) -> str:
    skin, hair = _hex(avatar.skin_tone), _hex(avatar.hair_color)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">'
        f"<title>{avatar.name}</title>"
        '<rect width="256" height="256" rx="32" fill="#eef1f6"/>'
        f'<ellipse cx="128" cy="242" rx="84" ry="56" fill="{hair}" opacity="0.35"/>'
        f'<ellipse cx="128" cy="120" rx="66" ry="80" fill="{skin}"/>'
        f'<path d="M62 112 Q64 36 128 36 Q192 36 194 112 Q170 70 128 68 Q86 70 62 112Z" fill="{hair}"/>'
        '<ellipse cx="104" cy="122" rx="8" ry="9" fill="#1b1b22"/>'
        '<ellipse cx="152" cy="122" rx="8" ry="9" fill="#1b1b22"/>'
        '<path d="M104 166 Q128 184 152 166" stroke="#8a3b3b" stroke-width="6" fill="none" stroke-linecap="round"/>'
        "</svg>"
    )
