"""The values the metrics' labels take: small fixed sets, whatever the clients send.

* ``outcome`` of ``POST /start`` (:func:`start_outcome`): ``ok``, ``bad_request``,
  ``unauthorized``, ``forbidden``, ``rate_limited``, ``full``, ``draining``, ``error``.
* ``reason`` a session ended: :data:`rtvi_core.server.sessions.EndReason` (``normal``,
  ``failed``, ``client_left``, ``idle_timeout``, ``limit``, ``shutdown``).
* ``type`` of an error (:func:`error_type`): ``stt``, ``llm``, ``tts``, ``transport``
  (a non-fatal error a provider or the transport reported), ``processor`` (any other
  processor's), ``fatal`` (an error that ends the session), ``session_failed`` (a
  session that ended failed).
"""

from __future__ import annotations

from typing import Any

from rtvi_core.frames import ErrorFrame
from rtvi_core.services.input_transport import BaseInputTransport
from rtvi_core.services.llm import LLMService
from rtvi_core.services.output_transport import BaseOutputTransport
from rtvi_core.services.stt import STTService
from rtvi_core.services.tts import TTSService

_START_OUTCOMES = {200: "ok", 401: "unauthorized", 403: "forbidden", 429: "rate_limited"}

_ERROR_SOURCES: tuple[tuple[type, str], ...] = (
    (STTService, "stt"),
    (LLMService, "llm"),
    (TTSService, "tts"),
    (BaseInputTransport, "transport"),
    (BaseOutputTransport, "transport"),
)

#: ``type`` of a session that ended failed.
SESSION_FAILED = "session_failed"


def start_outcome(status: int, draining: bool) -> str:
    """The outcome of a ``POST /start`` answered with ``status`` (503: ``draining`` tells why)."""
    if status == 503:
        return "draining" if draining else "full"
    outcome = _START_OUTCOMES.get(status)
    if outcome is not None:
        return outcome
    return "bad_request" if 400 <= status < 500 else "error"


def error_type(frame: ErrorFrame, source: Any) -> str:
    """The type of the error ``frame`` that ``source`` pushed (its reporter, when it names one)."""
    if frame.fatal:
        return "fatal"
    reporter = frame.processor if frame.processor is not None else source
    for base, name in _ERROR_SOURCES:
        if isinstance(reporter, base):
            return name
    return "processor"
