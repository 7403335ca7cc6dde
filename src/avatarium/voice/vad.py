"""Silero VAD v6 (MIT), the ONNX model faster-whisper ships, run with onnxruntime one 32 ms window at a time."""

from __future__ import annotations

import threading
from importlib.resources import files
from typing import Any

import numpy as np

from avatarium.voice.pcm import MODEL_RATE

WINDOW = 512  # samples per decision at 16 kHz: 32 ms
WINDOW_MS = WINDOW * 1000 // MODEL_RATE
_CONTEXT = 64  # the model sees the end of the previous window in front of each new one
_STATE_SHAPE = (1, 1, 128)


def model_path() -> str:
    return str(files("faster_whisper").joinpath("assets", "silero_vad_v6.onnx"))


class SileroModel:
    """One onnxruntime session for every stream (sessions are thread-safe); each stream keeps its own state."""

    def __init__(self) -> None:
        self._session: Any = None
        self._lock = threading.Lock()

    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                # A window costs a tenth of a millisecond: more threads would only contend with the other models.
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                self._session = onnxruntime.InferenceSession(
                    model_path(), sess_options=options, providers=["CPUExecutionProvider"]
                )
            return self._session

    def stream(self) -> VadStream:
        return VadStream(self)


class VadStream:
    """Speech probabilities of one audio stream at 16 kHz, one per complete 32 ms window."""

    def __init__(self, model: SileroModel) -> None:
        self._model = model
        self._pending = np.zeros(0, dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> list[float]:
        """Probabilities for the windows `samples` completes; a partial window waits for the next call."""
        audio = np.concatenate([self._pending, samples]) if self._pending.size else samples
        count = audio.size // WINDOW
        self._pending = audio[count * WINDOW :].copy()
        if count == 0:
            return []
        windows = audio[: count * WINDOW].reshape(count, WINDOW)
        # Each row is one step of the model's recurrent state: the rows run in order, in one call.
        contexts = np.vstack([self._context[None, :], windows[:-1, -_CONTEXT:]])
        batch = np.hstack([contexts, windows]).astype(np.float32)
        probabilities, self._h, self._c = self._model.session().run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = windows[-1, -_CONTEXT:].copy()
        return [float(p) for p in np.asarray(probabilities).reshape(-1)]
