"""The PCM output formats of ElevenLabs, and the URL of the multi-context WebSocket."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlencode, urlsplit

#: The sample rates ElevenLabs streams raw 16-bit PCM at (``output_format=pcm_<rate>``).
PCM_RATES = (8000, 16000, 22050, 24000, 44100, 48000)


def output_format(sample_rate: int) -> str:
    """``pcm_<rate>`` for the pipeline's output rate; ``ValueError`` naming the rates that work."""
    if sample_rate not in PCM_RATES:
        rates = ", ".join(str(rate) for rate in PCM_RATES)
        raise ValueError(
            f"ElevenLabs streams PCM at {rates} Hz only, not {sample_rate} Hz: set [tts] sample_rate "
            "(or the pipeline's audio_out_sample_rate) to one of them"
        )
    return f"pcm_{sample_rate}"


def check_base_url(base_url: str) -> str:
    """``base_url`` as a ws(s) URL without a trailing slash (http(s) become ws(s)).

    ``ValueError`` unless it is a ws, wss, http or https URL with a host.
    """
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss") or not parts.netloc:
        raise ValueError(
            "base_url must be a wss:// (or ws://, http(s)://) URL such as wss://api.elevenlabs.io "
            f"(the API root, without /v1), not {base_url!r}"
        )
    return f"{scheme}://{url.split('://', 1)[1]}"


def stream_url(base_url: str, voice_id: str, query: dict[str, str]) -> str:
    """The multi-context WebSocket of ``voice_id`` under ``base_url``."""
    return f"{base_url}/v1/text-to-speech/{quote(voice_id, safe='')}/multi-stream-input?{urlencode(query)}"


def is_loopback(base_url: str) -> bool:
    """Whether ``base_url`` points at this machine (a local test server needs no key)."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
