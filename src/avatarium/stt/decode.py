"""Uploaded recordings, in the containers browsers and phones produce, decoded to 16 kHz mono PCM (FFmpeg)."""

from __future__ import annotations

import io
from pathlib import PurePosixPath

import av

from avatarium.errors import ApiError
from avatarium.voice.pcm import MODEL_RATE

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_DURATION_MS = 10 * 60 * 1000

# Media type → FFmpeg demuxer. The demuxer is chosen here and never guessed from the bytes: probing
# would also reach demuxers such as HLS or concat, whose playlists can make FFmpeg open other files.
CONTAINERS: dict[str, str] = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/webm": "webm",
    "audio/ogg": "ogg",
    "audio/mp4": "mp4",
    "audio/x-m4a": "mp4",
    "audio/m4a": "mp4",
}
_EXTENSIONS = {
    ".wav": "wav",
    ".mp3": "mp3",
    ".webm": "webm",
    ".ogg": "ogg",
    ".opus": "ogg",
    ".m4a": "mp4",
    ".mp4": "mp4",
}
_GENERIC = {"", "application/octet-stream"}  # what multipart clients send when they do not know the type


def too_large() -> ApiError:
    return ApiError(413, f"Audio uploads are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")


def container_for(media_type: str, filename: str | None = None) -> str:
    """The demuxer for a declared media type, or for a file name's extension when the type says nothing."""
    media = media_type.split(";", 1)[0].strip().lower()
    if media in CONTAINERS:
        return CONTAINERS[media]
    if media in _GENERIC and filename:
        container = _EXTENSIONS.get(PurePosixPath(filename).suffix.lower())
        if container:
            return container
    raise ApiError(
        415, "Audio must be WAV, MP3, WebM, Ogg or MP4 (audio/wav, audio/mpeg, audio/webm, audio/ogg, audio/mp4)"
    )


def decode(data: bytes, container: str, max_ms: int = MAX_DURATION_MS) -> bytes:
    """16-bit mono PCM at 16 kHz; 400 when the data is not audio in that container, 413 past `max_ms`."""
    limit = max_ms * MODEL_RATE // 1000 * 2
    pcm = bytearray()
    try:
        with av.open(io.BytesIO(data), mode="r", format=container) as source:
            if not source.streams.audio:
                raise ApiError(400, "The file has no audio track")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=MODEL_RATE)
            for frame in source.decode(source.streams.audio[0]):
                for piece in resampler.resample(frame):
                    pcm += piece.to_ndarray().astype("<i2").tobytes()
                if len(pcm) > limit:
                    raise ApiError(413, f"Audio is limited to {max_ms // 60000} minutes")
            for piece in resampler.resample(None):
                pcm += piece.to_ndarray().astype("<i2").tobytes()
    except av.error.FFmpegError:
        raise ApiError(400, f"The audio could not be decoded as {container.upper()}") from None
    if not pcm:
        raise ApiError(400, "The audio is empty")
    return bytes(pcm[:limit])
