"""eSpeak NG through its C library (shipped by the `espeakng-loader` wheel): many languages, and phoneme
events with sample positions, so its visemes are aligned like Piper's.

The library keeps global state (its voice, its callback), so there is one engine per process,
shared by every caller, and one synthesis runs at a time.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

from avatarium import lipsync
from avatarium.providers.base import Speech

_RETRIEVAL = 1  # AUDIO_OUTPUT_RETRIEVAL: audio comes to our callback
_PHONEME_EVENTS, _PHONEME_IPA = 0x0001, 0x0002
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED, _EVENT_PHONEME = 0, 7
_RATE_PARAMETER, _DEFAULT_WPM = 1, 175


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Espeak:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lib: Any = None
        self._rate = 0
        self._callback: Any = None
        self._audio: list[bytes] = []
        self._phonemes: list[tuple[str, int]] = []

    def _load(self) -> Any:
        if self._lib is None:
            import espeakng_loader

            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = espeakng_loader.get_data_path().encode()
            self._rate = lib.espeak_Initialize(_RETRIEVAL, 0, data, _PHONEME_EVENTS | _PHONEME_IPA)
            if self._rate <= 0:
                raise RuntimeError("eSpeak NG could not be initialised")
            self._callback = _Callback(self._collect)  # kept referenced: the library holds the pointer
            lib.espeak_SetSynthCallback(self._callback)
            self._lib = lib
        return self._lib

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self._audio.append(ctypes.string_at(wav, count * 2))
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                phoneme = bytes(event.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
                self._phonemes.append((phoneme, event.sample))
            i += 1
        return 0

    def synthesize(self, text: str, voice: str, speed: float) -> Speech:
        with self._lock:
            lib = self._load()
            self._audio, self._phonemes = [], []
            if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise RuntimeError(f"eSpeak NG has no voice {voice}")
            lib.espeak_SetParameter(_RATE_PARAMETER, round(_DEFAULT_WPM * speed), 0)
            data = text.encode()
            lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
            lib.espeak_Synchronize()
            pcm, marks, rate = b"".join(self._audio), self._phonemes, self._rate
        samples = len(pcm) // 2
        # Each phoneme lasts until the next one starts; stress marks lead IPA strings, so skip them.
        timing = []
        for i, (phoneme, start) in enumerate(marks):
            end = marks[i + 1][1] if i + 1 < len(marks) else samples
            timing.append((phoneme.lstrip("ˈˌ")[:1] or " ", max(0, end - start)))
        lead = marks[0][1] if marks else samples
        spans = lipsync.from_alignment([(" ", lead), *timing], rate, samples)
        return Speech(pcm, rate, spans, aligned=bool(marks))


_shared: _Espeak | None = None
_shared_lock = threading.Lock()


class EspeakEngine:
    """A handle on the process's one eSpeak NG engine."""

    def synthesize(self, text: str, voice: str, speed: float) -> Speech:
        global _shared
        with _shared_lock:
            if _shared is None:
                _shared = _Espeak()
        return _shared.synthesize(text, voice, speed)
