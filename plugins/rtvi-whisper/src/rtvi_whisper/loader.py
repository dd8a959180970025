"""One ``WhisperModel`` per process and setting, shared by every session.

:func:`load_model` blocks (import, file reading, maybe a download): call it in a
worker thread. Loading is serialized by a lock, so sessions starting together load a
model once; the first load is logged with its duration.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, NamedTuple

from .locate import ModelLocation, WhisperModelError, offline_choices
from .log import logger

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


class ModelKey(NamedTuple):
    """What makes two loaded models different."""

    location: ModelLocation
    compute_type: str
    cpu_threads: int
    num_workers: int


_models: dict[ModelKey, WhisperModel] = {}
_lock = threading.Lock()


def cached_model(key: ModelKey) -> WhisperModel | None:
    """The model already loaded for ``key``, if any (never blocks)."""
    return _models.get(key)


def load_model(key: ModelKey) -> WhisperModel:
    """The model for ``key``, loaded on first use (blocking: run it in a worker thread)."""
    with _lock:
        model = _models.get(key)
        if model is None:
            model = _models[key] = _load(key)
        return model


def _load(key: ModelKey) -> WhisperModel:
    location = key.location
    logger.info(
        "loading Whisper model %s (%s, %s CPU threads)...",
        location.describe(),
        key.compute_type,
        key.cpu_threads or "default",
    )
    started = time.perf_counter()
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise WhisperModelError(f"the whisper plugin needs faster-whisper: pip install faster-whisper ({exc})") from exc
    imported = time.perf_counter()
    try:
        model = WhisperModel(
            location.source,
            device="cpu",
            compute_type=key.compute_type,
            cpu_threads=key.cpu_threads,
            num_workers=key.num_workers,
            local_files_only=location.path is not None,
        )
    except Exception as exc:
        if location.path is not None:
            raise WhisperModelError(f"cannot load Whisper model {location.describe()}: {exc}") from exc
        raise WhisperModelError(
            f"cannot load or download Whisper model {location.name!r} from the Hugging Face hub: "
            f"{exc}. Offline, use {offline_choices()}"
        ) from exc
    done = time.perf_counter()
    logger.info(
        "Whisper model %r loaded in %.2f s (import %.2f s, load %.2f s)",
        location.name,
        done - started,
        imported - started,
        done - imported,
    )
    return model
