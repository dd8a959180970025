"""``ListenOptions``: the query of a live stream, and the URL it is opened at.

``GET <base_url>/v1/listen?model=...&encoding=linear16&sample_rate=...`` upgraded to a
WebSocket; the options are Deepgram's query parameters of the same names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

DEFAULT_BASE_URL = "wss://api.deepgram.com"
DEFAULT_MODEL = "nova-3"
DEFAULT_LANGUAGE = "en"

_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}

#: Query parameters the plugin sets itself (``extra_params`` may not repeat them).
OWN_PARAMS = frozenset(
    {
        "model",
        "language",
        "encoding",
        "sample_rate",
        "channels",
        "interim_results",
        "smart_format",
        "punctuate",
        "endpointing",
        "utterance_end_ms",
        "vad_events",
        "keyterm",
    }
)


def check_base_url(base_url: str) -> str:
    """``base_url`` as a ``ws(s)://`` root without a trailing slash (``http(s)`` is mapped).

    ``ValueError`` unless it is a ws(s) or http(s) URL with a host.
    """
    parts = urlsplit(base_url.strip())
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"base_url must be a wss:// (or https://) URL such as {DEFAULT_BASE_URL} (the API root, "
            f"without /v1/listen), not {base_url!r}"
        )
    return parts._replace(scheme=scheme).geturl().rstrip("/")


def _text(value: str | int | float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class ListenOptions:
    """What the stream asks of Deepgram (see the plugin README for each key)."""

    model: str = DEFAULT_MODEL
    language: str = DEFAULT_LANGUAGE
    #: Milliseconds of silence that end a spoken segment (``speech_final``); 0: off.
    endpointing: int = 300
    smart_format: bool = True
    punctuate: bool = True
    interim_results: bool = True
    #: Send ``UtteranceEnd`` after this gap between words (needs interim results); None: off.
    utterance_end_ms: int | None = None
    #: Send ``SpeechStarted`` when Deepgram hears speech start.
    vad_events: bool = False
    keyterms: Sequence[str] = ()
    #: Further query parameters, sent as given (``diarize``, ``profanity_filter``...).
    extra_params: Mapping[str, str | int | float | bool] = field(default_factory=dict)

    def query(self, sample_rate: int) -> list[tuple[str, str]]:
        """The query parameters of a stream of mono PCM16 audio at ``sample_rate``."""
        params: list[tuple[str, str]] = [
            ("model", self.model),
            ("language", self.language),
            ("encoding", "linear16"),
            ("sample_rate", str(sample_rate)),
            ("channels", "1"),
            ("interim_results", _text(self.interim_results)),
            ("smart_format", _text(self.smart_format)),
            ("punctuate", _text(self.punctuate)),
            ("endpointing", str(self.endpointing) if self.endpointing else "false"),
        ]
        if self.utterance_end_ms is not None:
            params.append(("utterance_end_ms", str(self.utterance_end_ms)))
        if self.vad_events:
            params.append(("vad_events", "true"))
        params += [("keyterm", term) for term in self.keyterms]
        params += [(key, _text(value)) for key, value in self.extra_params.items()]
        return params

    def url(self, base_url: str, sample_rate: int) -> str:
        """The URL of the live stream at ``base_url`` (already checked)."""
        return f"{base_url}/v1/listen?{urlencode(self.query(sample_rate))}"
