"""The SmallWebRTC signalling bodies, decoded and checked before aiortc sees them.

The stock ``@pipecat-ai/small-webrtc-transport`` client posts an offer as
``{"sdp", "type": "offer", "pc_id", "restart_pc"}`` (plus ``requestData`` when set) and
trickles its ICE candidates by ``PATCH`` as ``{"pc_id", "candidates": [{"candidate",
"sdp_mid", "sdp_mline_index"}]}``. aiortc accepts an offer with no media at all (and then
never connects) and raises ``AssertionError`` on a malformed candidate, so both are
checked here first: anything unusable is a :class:`SignallingError` naming the field,
which the server answers with 400.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Final, TypeVar

import msgspec

from rtvi_core.rtvi.messages import JSONBoundsError, decode_client_json

#: Largest SDP offer accepted (Chrome's offers are 5-8 KB, with every candidate inside).
MAX_SDP_CHARS: Final = 32 * 1024
#: Most media sections in an offer (the stock client offers 3 or 4).
MAX_MEDIA_SECTIONS: Final = 8
#: Most candidates in one PATCH (the client sends what it gathered in 200 ms).
MAX_CANDIDATES_PER_PATCH: Final = 32
#: Longest candidate line accepted (Chrome's are about 150 characters).
MAX_CANDIDATE_CHARS: Final = 512
#: Longest ``pc_id`` accepted (ours are 40 characters).
MAX_PC_ID_CHARS: Final = 128

_FOUNDATION = re.compile(r"^[A-Za-z0-9+/]{1,32}$")
_MDNS_NAME = re.compile(r"^[A-Za-z0-9-]{1,63}\.local$")
_CANDIDATE_TYPES = frozenset({"host", "srflx", "prflx", "relay"})
_T = TypeVar("_T")


class SignallingError(ValueError):
    """A signalling body the server cannot use; the message names the field."""


class OfferRequest(msgspec.Struct, frozen=True):
    """``POST /api/offer``: the client's SDP offer."""

    sdp: str
    type: str
    pc_id: str | None = None
    restart_pc: bool | None = None
    #: What the client's ``webrtcRequestParams.requestData`` held (either spelling).
    requestData: Any = None
    request_data: Any = None

    @property
    def data(self) -> Any:
        """The request data the client sent with the offer, if any."""
        return self.request_data if self.request_data is not None else self.requestData


class IceCandidateBody(msgspec.Struct, frozen=True):
    """One trickled candidate, as the stock client sends it."""

    candidate: str
    sdp_mid: str | None = None
    sdp_mline_index: int | None = None


class CandidatesPatch(msgspec.Struct, frozen=True):
    """``PATCH /api/offer``: candidates for an existing peer connection."""

    pc_id: str
    candidates: list[IceCandidateBody]


class ParsedCandidate(msgspec.Struct, frozen=True):
    """The fields of a candidate line that decide whether and where to send to it."""

    transport: str  # "udp" | "tcp"
    address: str  # an IP literal or an mDNS ``*.local`` name
    port: int
    type: str  # host | srflx | prflx | relay

    @property
    def is_mdns(self) -> bool:
        """True when the address is an mDNS name the browser uses to hide its IP."""
        return self.address.endswith(".local")

    @property
    def is_loopback(self) -> bool:
        """True when the address is 127.0.0.0/8 or ::1."""
        return not self.is_mdns and ipaddress.ip_address(self.address).is_loopback


def decode_offer(body: bytes) -> OfferRequest:
    """The offer in ``body``, checked: JSON object, ``type`` "offer", a usable SDP."""
    offer = _decode(body, OfferRequest)
    if offer.type != "offer":
        raise SignallingError(f"type must be 'offer', not {offer.type!r}")
    _check_pc_id(offer.pc_id, required=False)
    check_offer_sdp(offer.sdp)
    return offer


def decode_patch(body: bytes) -> CandidatesPatch:
    """The candidates in ``body``, each line checked by :func:`parse_candidate` (``""`` ends them)."""
    patch = _decode(body, CandidatesPatch)
    _check_pc_id(patch.pc_id, required=True)
    if len(patch.candidates) > MAX_CANDIDATES_PER_PATCH:
        raise SignallingError(f"candidates: at most {MAX_CANDIDATES_PER_PATCH} per request")
    for index, candidate in enumerate(patch.candidates):
        if candidate.candidate == "":
            continue  # Firefox's end of candidates
        try:
            parse_candidate(candidate.candidate)
        except SignallingError as exc:
            raise SignallingError(f"candidates[{index}].candidate: {exc}") from None
        if candidate.sdp_mid is None and candidate.sdp_mline_index is None:
            raise SignallingError(f"candidates[{index}] needs sdp_mid or sdp_mline_index")
        if candidate.sdp_mline_index is not None and not 0 <= candidate.sdp_mline_index < MAX_MEDIA_SECTIONS:
            raise SignallingError(f"candidates[{index}].sdp_mline_index must be 0-{MAX_MEDIA_SECTIONS - 1}")
        if candidate.sdp_mid is not None and len(candidate.sdp_mid) > 32:
            raise SignallingError(f"candidates[{index}].sdp_mid is longer than 32 characters")
    return patch


def check_offer_sdp(sdp: str) -> None:
    """Refuse an SDP offer aiortc would accept but never connect with.

    It must be SDP (``v=0`` first), carry ICE credentials and a DTLS fingerprint, an
    audio section and the data channel's ``m=application`` section (RTVI travels on it),
    and at most :data:`MAX_MEDIA_SECTIONS` media sections.
    """
    if len(sdp) > MAX_SDP_CHARS:
        raise SignallingError(f"sdp is longer than {MAX_SDP_CHARS} characters")
    if not sdp.startswith("v=0"):
        raise SignallingError("sdp is not an SDP offer (it must start with 'v=0')")
    lines = sdp.splitlines()
    media = [line.split(" ", 1)[0][2:] for line in lines if line.startswith("m=")]
    if len(media) > MAX_MEDIA_SECTIONS:
        raise SignallingError(f"sdp has {len(media)} media sections (at most {MAX_MEDIA_SECTIONS})")
    if "audio" not in media:
        raise SignallingError("sdp has no audio section (m=audio)")
    if "application" not in media:
        raise SignallingError("sdp has no data channel section (m=application): RTVI messages travel on it")
    if not any(line.startswith("a=ice-ufrag:") for line in lines):
        raise SignallingError("sdp has no ICE credentials (a=ice-ufrag)")
    if not any(line.startswith("a=fingerprint:") for line in lines):
        raise SignallingError("sdp has no DTLS fingerprint (a=fingerprint)")


def parse_candidate(line: str) -> ParsedCandidate:
    """The fields of one ICE candidate line (RFC 8839 §5.1), with or without ``candidate:``.

    ``foundation component transport priority address port typ type [extensions]``;
    the address must be an IP literal or an mDNS ``.local`` name.
    """
    if len(line) > MAX_CANDIDATE_CHARS:
        raise SignallingError(f"longer than {MAX_CANDIDATE_CHARS} characters")
    tokens = line.removeprefix("candidate:").split()
    if len(tokens) < 8 or tokens[6] != "typ":
        raise SignallingError("not a candidate line ('foundation component transport priority address port typ type')")
    foundation, component, transport, priority, address, port, _, kind = tokens[:8]
    if not _FOUNDATION.match(foundation):
        raise SignallingError(f"foundation {foundation!r} is not 1-32 ICE characters")
    if not (_is_number(component) and 1 <= int(component) <= 256):
        raise SignallingError(f"component {component!r} is not 1-256")
    if transport.lower() not in ("udp", "tcp"):
        raise SignallingError(f"transport {transport!r} is not udp or tcp")
    if not (_is_number(priority) and int(priority) < 2**32):
        raise SignallingError(f"priority {priority!r} is not a 32-bit number")
    if not _MDNS_NAME.match(address):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise SignallingError(f"address {address!r} is not an IP address or an mDNS .local name") from None
    if not (_is_number(port) and 1 <= int(port) <= 65535):
        raise SignallingError(f"port {port!r} is not 1-65535")
    if kind not in _CANDIDATE_TYPES:
        raise SignallingError(f"type {kind!r} is not host, srflx, prflx or relay")
    return ParsedCandidate(transport=transport.lower(), address=address, port=int(port), type=kind)


def _is_number(token: str) -> bool:
    return token.isascii() and token.isdigit() and len(token) <= 10


def _check_pc_id(pc_id: str | None, *, required: bool) -> None:
    if pc_id is None:
        if required:
            raise SignallingError("pc_id is required")
        return
    if not pc_id or len(pc_id) > MAX_PC_ID_CHARS or not pc_id.isprintable():
        raise SignallingError(f"pc_id must be 1-{MAX_PC_ID_CHARS} printable characters")


def _decode(body: bytes, kind: type[_T]) -> _T:
    try:
        value = decode_client_json(body)
    except JSONBoundsError as exc:
        raise SignallingError(f"the body is {exc}") from None
    except msgspec.DecodeError:
        raise SignallingError("the body is not JSON") from None
    if not isinstance(value, dict):
        raise SignallingError("the body must be a JSON object")
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        raise SignallingError(str(exc)) from None
