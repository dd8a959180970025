"""rtvi_core's tone TTS audio for the Pipecat side of the phone_calls benchmark: ``word_tone``
of ``rtvi_core/builtins/tone_audio.py`` itself, loaded from this checkout by its path
(``.venv-pipecat`` has no rtvi_core installed; that module is standard library only for
this), so both bots send the same tones, with the same lengths, for the same answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "rtvi_core" / "builtins" / "tone_audio.py"
_spec = importlib.util.spec_from_file_location("rtvi_core_tone_audio", _PATH)
assert _spec is not None and _spec.loader is not None, _PATH
_tone_audio = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tone_audio)

word_tone = _tone_audio.word_tone
