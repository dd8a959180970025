"""The audio formats a client may send: one definition, checked at every input boundary.

A sample rate sizes the work done on a client's audio (resampling to 48 kHz from
1 Hz would multiply it by 48,000), so every boundary that decodes one checks it here:
the websocket serializer, RTVI ``raw-audio``/``raw-audio-batch`` and
:class:`~rtvi_core.services.input_transport.BaseInputTransport` (which covers every
transport plugin).
"""

from __future__ import annotations

from typing import Final, Literal

#: Sample rates accepted from a client, in Hz (8 to 48 kHz, the rates devices record at).
INPUT_SAMPLE_RATES: Final = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
#: Most channels accepted from a client (mono or interleaved stereo).
MAX_INPUT_CHANNELS: Final = 2

_RATES: Final = frozenset(INPUT_SAMPLE_RATES)
_EXPECTED_RATES: Final = "one of " + ", ".join(map(str, INPUT_SAMPLE_RATES))
_EXPECTED_CHANNELS: Final = f"1 to {MAX_INPUT_CHANNELS}"

AudioField = Literal["sample_rate", "num_channels"]


class AudioFormatError(ValueError):
    """Client audio in a format outside :data:`INPUT_SAMPLE_RATES` / :data:`MAX_INPUT_CHANNELS`.

    ``str(exc)`` names the field as ``field`` (``sample_rate`` or ``num_channels``);
    :meth:`describe` names it as a given wire format does (e.g. ``sampleRate``).
    """

    def __init__(self, field: AudioField, value: object, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(self.describe(field))

    def describe(self, name: str) -> str:
        """The problem, with the field called ``name``."""
        return f"{name} {self.value!r} is not supported (expected {self.expected})"


def check_input_format(sample_rate: int, num_channels: int, *, native_rate: int | None = None) -> None:
    """Raise :class:`AudioFormatError` unless a client may send audio in this format.

    ``native_rate``: the receiver's own input rate (set by the bot, not the client),
    accepted whatever it is.
    """
    if sample_rate not in _RATES and sample_rate != native_rate:
        raise AudioFormatError("sample_rate", sample_rate, _EXPECTED_RATES)
    if not 1 <= num_channels <= MAX_INPUT_CHANNELS:
        raise AudioFormatError("num_channels", num_channels, _EXPECTED_CHANNELS)
