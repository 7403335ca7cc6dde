"""A PNG portrait of any avatar model: its head and shoulders, framed from the model's own bounds."""

from __future__ import annotations

import numpy as np

from avatarium.avatars import render

SIZE = 256
_FOV = 30.0
_PORTRAIT = 0.32  # of a standing figure's height: head and shoulders


def camera(scene: list[render.Surface]) -> render.Camera:
    """Looks at the top of the model from the front (+Z), close enough to fill the frame."""
    points = np.concatenate([s.positions for s in scene])
    low, high = points.min(axis=0), points.max(axis=0)
    height = float(high[1] - low[1])
    # A figure is framed by its top third (whatever its unit: metres, centimetres); in metres, at
    # least 40 cm of it, a bust's head and shoulders; a small model whole.
    view = min(height, max(height * _PORTRAIT, 0.4))
    center_y = float(high[1]) - view / 2 + view * 0.02
    distance = view / (2 * np.tan(np.radians(_FOV) / 2))
    center = ((low[0] + high[0]) / 2, center_y, (low[2] + high[2]) / 2)
    eye = (float(center[0]), center_y + view * 0.05, float(high[2]) + distance)
    return render.Camera(eye, (float(center[0]), center_y, float(center[2])), _FOV)


def png(glb: bytes) -> bytes:
    scene = render.surfaces(glb)
    return render.png(render.render(scene, camera(scene), SIZE))
