"""The incoming-call webhook's answer for each carrier: connect the call to a media stream.

* Twilio: TwiML ``<Response><Connect><Stream url>`` (``<Connect>`` makes the stream
  bidirectional and holds the call until the socket closes), custom parameters as
  ``<Parameter name value/>`` children, which reach the socket in ``start.customParameters``.
* Telnyx: TeXML, Twilio-compatible: ``<Connect><Stream url bidirectionalMode="rtp"
  bidirectionalCodec="PCMU">`` (``rtp`` is what lets the bot send audio back; the default
  ``mp3`` mode takes whole files), ``<Parameter>`` children, then a ``<Pause>`` as
  Pipecat's runner answers.
* Plivo: ``<Response><Stream bidirectional="true" keepCallAlive="true" contentType>`` with
  the URL as the element's text; custom parameters go in ``extraHeaders``
  (``name=value`` pairs joined by commas, letters and digits only, 512 bytes at most).
* Exotel: the Voicebot applet, given an HTTPS URL instead of a ``wss://`` one, fetches
  it and connects to the WebSocket URL in the JSON answer's ``url``; custom parameters
  ride in the URL's query (3 at most, 256 characters in all).

XML is built with :mod:`xml.etree.ElementTree`, so a URL or value holding ``&``, ``<``
or quotes is escaped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

__all__ = ["exotel_stream_response", "plivo_xml", "telnyx_texml", "twilio_twiml"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_PLIVO_HEADER_TEXT = re.compile(r"[A-Za-z0-9]*")
_PLIVO_HEADERS_MAX = 512
_EXOTEL_PARAMETERS_MAX = 3
_EXOTEL_PARAMETERS_CHARS = 256


def _check_ws_url(ws_url: str) -> None:
    scheme = urlsplit(ws_url).scheme
    if scheme not in ("ws", "wss") or not urlsplit(ws_url).netloc:
        raise ValueError(f"the media stream URL must be a ws:// or wss:// URL with a host, got {ws_url!r}")


def _document(response: ET.Element) -> str:
    return _DECLARATION + ET.tostring(response, encoding="unicode")


def _stream_with_parameters(parent: ET.Element, attributes: dict[str, str], parameters: Mapping[str, str]) -> None:
    stream = ET.SubElement(parent, "Stream", attributes)
    for name, value in parameters.items():
        ET.SubElement(stream, "Parameter", {"name": name, "value": value})


def twilio_twiml(ws_url: str, parameters: Mapping[str, str]) -> str:
    """TwiML connecting the call to a bidirectional Media Stream at ``ws_url``."""
    _check_ws_url(ws_url)
    response = ET.Element("Response")
    _stream_with_parameters(ET.SubElement(response, "Connect"), {"url": ws_url}, parameters)
    return _document(response)


def telnyx_texml(
    ws_url: str, parameters: Mapping[str, str], *, codec: str = "PCMU", pause_secs: int | None = 40
) -> str:
    """TeXML connecting the call to a bidirectional RTP media stream at ``ws_url``.

    ``codec`` is the ``bidirectionalCodec`` of the audio the bot sends (``PCMU`` or
    ``PCMA`` at 8 kHz); ``pause_secs`` the ``<Pause>`` after ``<Connect>``, as Pipecat's
    runner answers (``None``: none).
    """
    _check_ws_url(ws_url)
    response = ET.Element("Response")
    attributes = {"url": ws_url, "bidirectionalMode": "rtp", "bidirectionalCodec": codec}
    _stream_with_parameters(ET.SubElement(response, "Connect"), attributes, parameters)
    if pause_secs is not None:
        ET.SubElement(response, "Pause", {"length": str(pause_secs)})
    return _document(response)


def plivo_xml(ws_url: str, parameters: Mapping[str, str], content_type: str = "audio/x-mulaw;rate=8000") -> str:
    """Plivo XML streaming the call both ways to ``ws_url`` and holding it while the stream lasts.

    ``parameters`` become ``extraHeaders``; Plivo allows only letters and digits in their
    names and values (ValueError otherwise, naming the parameter).
    """
    _check_ws_url(ws_url)
    for name, value in parameters.items():
        if not (_PLIVO_HEADER_TEXT.fullmatch(name) and _PLIVO_HEADER_TEXT.fullmatch(value)) or not name:
            raise ValueError(
                f"Plivo stream parameter {name!r}={value!r}: Plivo's extraHeaders allow only letters and digits"
            )
    attributes = {
        "bidirectional": "true",
        "audioTrack": "inbound",
        "keepCallAlive": "true",
        "contentType": content_type,
    }
    if parameters:
        extra = ",".join(f"{name}={value}" for name, value in parameters.items())
        if len(extra) > _PLIVO_HEADERS_MAX:
            raise ValueError(f"Plivo stream parameters: extraHeaders is {len(extra)} bytes, Plivo allows 512")
        attributes["extraHeaders"] = extra
    response = ET.Element("Response")
    ET.SubElement(response, "Stream", attributes).text = ws_url
    return _document(response)


def exotel_stream_response(ws_url: str, parameters: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON answer to the Exotel Voicebot applet's fetch of its dynamic URL.

    ``parameters`` are added to the URL's query (Exotel passes up to 3, 256 characters in
    all, to the stream's ``start.custom_parameters``).
    """
    _check_ws_url(ws_url)
    if parameters:
        query = urlencode(dict(parameters))
        if len(parameters) > _EXOTEL_PARAMETERS_MAX or len(query) > _EXOTEL_PARAMETERS_CHARS:
            raise ValueError(
                f"Exotel stream parameters: at most {_EXOTEL_PARAMETERS_MAX} and {_EXOTEL_PARAMETERS_CHARS} "
                f"characters, got {len(parameters)} ({len(query)} characters)"
            )
        parts = urlsplit(ws_url)
        ws_url = urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))
    return {"url": ws_url}
