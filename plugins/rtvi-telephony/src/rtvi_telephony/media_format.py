"""``MediaFormat``: how a call's audio is coded on the media stream, and converting it to PCM16.

μ-law (PCMU) and A-law (PCMA) through :mod:`.g711`; 16-bit linear PCM (L16) as the carrier
sends it: little-endian for Plivo and Exotel ("slin"), network byte order for Telnyx's RTP
payloads (RFC 3551). Every conversion is one numpy pass over the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

Coding = Literal["mulaw", "alaw", "l16", "l16be"]

#: Encoding names carriers use in ``start`` messages and markup, lower-cased.
_NAMES: dict[str, Coding] = {
    "audio/x-mulaw": "mulaw",
    "pcmu": "mulaw",
    "mulaw": "mulaw",
    "ulaw": "mulaw",
    "audio/x-alaw": "alaw",
    "pcma": "alaw",
    "alaw": "alaw",
    "audio/x-l16": "l16",
    "audio/l16": "l16",
    "l16": "l16",
    "slin": "l16",
    "raw": "l16",
    "base64": "l16",  # Exotel's start message names its payload coding, raw/slin PCM
}

#: Sample rates a carrier may stream at (Hz).
SAMPLE_RATES = (8000, 16000, 24000)


@dataclass(frozen=True, slots=True)
class MediaFormat:
    """One coding at one sample rate, mono."""

    coding: Coding
    sample_rate: int = 8000

    @classmethod
    def parse(cls, encoding: str, sample_rate: int, *, l16: Coding = "l16") -> MediaFormat:
        """The format a carrier names (``"audio/x-mulaw"``, ``"PCMU"``, ``"L16"``...) at ``sample_rate``.

        ``l16``: the byte order this carrier's L16 has. ValueError for a coding or rate not served.
        """
        coding = _NAMES.get(encoding.strip().lower().split(";")[0])
        if coding is None:
            raise ValueError(f"unsupported audio encoding {encoding[:40]!r}")
        if sample_rate not in SAMPLE_RATES:
            raise ValueError(f"unsupported sample rate {sample_rate!r}")
        if coding == "l16":
            coding = l16
        elif sample_rate != 8000:
            raise ValueError(f"G.711 ({coding}) is 8000 Hz, not {sample_rate}")
        return cls(coding, sample_rate)

    @property
    def name(self) -> str:
        """``"mulaw/8000"``: for logs and session data."""
        return f"{self.coding}/{self.sample_rate}"

    @property
    def bytes_per_sample(self) -> int:
        """1 for G.711, 2 for L16."""
        return 1 if self.coding in ("mulaw", "alaw") else 2

    def decode(self, data: bytes) -> bytes:
        """The carrier's ``data`` as PCM16 little-endian (a trailing odd byte of L16 is dropped)."""
        coding = self.coding
        if coding == "mulaw":
            return ulaw_decode(data)
        if coding == "alaw":
            return alaw_decode(data)
        data = data[: len(data) & ~1]
        if coding == "l16be":
            return np.frombuffer(data, dtype=">i2").astype("<i2").tobytes()
        return data

    def encode(self, pcm: bytes) -> bytes:
        """PCM16 little-endian ``pcm`` in the carrier's coding."""
        coding = self.coding
        if coding == "mulaw":
            return ulaw_encode(pcm)
        if coding == "alaw":
            return alaw_encode(pcm)
        if coding == "l16be":
            return np.frombuffer(pcm, dtype="<i2").astype(">i2").tobytes()
        return pcm


#: What Twilio, Telnyx (PCMU default) and Plivo send unless told otherwise.
MULAW_8K = MediaFormat("mulaw", 8000)
