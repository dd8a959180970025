"""``Carrier``: one carrier's media-stream messages, webhook answer and REST client.

The four carriers speak one design of JSON over WebSocket (``connected``, ``start``,
``media``, ``dtmf``, ``mark``, ``stop`` in; ``media``, ``mark``, ``clear`` out) with their own
key names, which a subclass declares (:class:`StartKeys`, ``STREAM_KEY``); Plivo renames
the outbound events too and overrides those builders. Everything read from a message is
checked here (types, lengths, counts), so the transport only ever sees an
:class:`~.events.Event` or a :class:`~.events.WireError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl

from rtvi_core.records import setting

from .events import CallInfo, Connected, Dtmf, Event, Ignored, Mark, Media, Stop, WireError
from .media_format import MULAW_8K, Coding, MediaFormat

if TYPE_CHECKING:
    from rtvi_core.server.http import Request

    from .rest import CarrierRest

#: Longest id (stream, call, account), number or mark name read from a message.
MAX_ID_CHARS = 256
#: Most custom parameters kept from a ``start`` message, and their longest name and value.
MAX_PARAMETERS, MAX_PARAMETER_NAME, MAX_PARAMETER_VALUE = 32, 128, 1024
#: The keys a caller may press.
DIGITS = frozenset("0123456789*#")


@dataclass(frozen=True, slots=True)
class StartKeys:
    """Where a carrier's ``start`` message keeps each field (None: it has none)."""

    call_id: str
    media_format: str
    encoding: str
    sample_rate: str
    caller: str | None = None
    callee: str | None = None
    account_id: str | None = None
    parameters: str | None = None


#: The ``start`` message's media-format keys in Twilio's camelCase, which Plivo's has too:
#: ``StartKeys(call_id=..., **CAMEL_FORMAT)``.
CAMEL_FORMAT = {"media_format": "mediaFormat", "encoding": "encoding", "sample_rate": "sampleRate"}
#: The ``start`` message's keys Telnyx's and Exotel's share (snake_case, with the numbers and
#: the custom parameters): ``StartKeys(call_id=..., account_id=..., **SNAKE_START)``.
SNAKE_START = {
    "media_format": "media_format",
    "encoding": "encoding",
    "sample_rate": "sample_rate",
    "caller": "from",
    "callee": "to",
    "parameters": "custom_parameters",
}


def auth_token_setting(carrier: str, env: str) -> str | None:
    """The ``auth_token`` key of a carrier that signs with it (Twilio, Plivo): webhooks, media
    streams and REST calls."""
    return setting(
        default=None,
        description=f"{carrier} auth token: signs webhooks and media streams (checked when set) and REST calls; "
        f'e.g. "${{env:{env}}}"',
    )


class Carrier:
    """A carrier's protocols, with the bot file's credentials (``keys``: a :attr:`KEYS` record;
    None: all unset).

    ``validate_signatures``: check webhook signatures when the credential that signs them is
    set; ``api_base_url``: the REST API's base URL (None: the carrier's own).
    """

    #: The transport's plugin name.
    name: ClassVar[str]
    #: The ``@record`` of this carrier's ``[transport]`` keys (credentials and the like).
    KEYS: ClassVar[type]
    #: The key of the stream id in messages.
    STREAM_KEY: ClassVar[str]
    START_KEYS: ClassVar[StartKeys]
    #: The byte order of this carrier's L16 audio.
    L16: ClassVar[Coding] = "l16"
    #: The media format when ``start`` names none.
    DEFAULT_FORMAT: ClassVar[MediaFormat] = MULAW_8K
    #: Documented inbound events with no use to the bot.
    IGNORED: ClassVar[frozenset[str]] = frozenset()
    #: The inbound event acknowledging a mark.
    MARK_EVENT: ClassVar[str] = "mark"
    #: Methods the webhook answers.
    WEBHOOK_METHODS: ClassVar[tuple[str, ...]] = ("POST",)
    #: The stream parameters the webhook's ``From``/``To`` travel in, when ``start`` has no numbers.
    NUMBER_PARAMETERS: ClassVar[tuple[str, str]] = ("from_number", "to_number")
    #: The REST client class of :mod:`.rest` and the keys it is built from (see :meth:`rest`).
    REST_CLIENT: ClassVar[str | None] = None
    REST_KEYS: ClassVar[tuple[str, ...]] = ()
    #: Whether the REST API hangs a call up (else closing the media stream ends the bot's part).
    HANGS_UP: ClassVar[bool] = True
    #: The key of :attr:`keys` that signs the carrier's requests (None: it signs none we can check).
    SIGNING_KEY: ClassVar[str | None] = None
    #: Whether the carrier signs the media stream's WebSocket upgrade too (as a GET of the stream URL).
    SIGNS_STREAM: ClassVar[bool] = False
    #: Whether the stream URL may carry a query (``stream_secret``); Twilio's takes none.
    STREAM_QUERY: ClassVar[bool] = True

    def __init__(self, keys: Any = None, *, validate_signatures: bool = True, api_base_url: str | None = None) -> None:
        self.keys = keys if keys is not None else self.KEYS()
        self.validate_signatures = validate_signatures
        self.api_base_url = api_base_url

    @property
    def output_rate(self) -> int:
        """The rate bot audio is prepared at (a call streaming at another is resampled once more)."""
        return self.DEFAULT_FORMAT.sample_rate

    # -- the media stream: in -------------------------------------------------------------

    def parse(self, message: Any) -> Event:
        """One decoded JSON message from the carrier as an event; WireError when it cannot be used."""
        if not isinstance(message, dict):
            raise WireError("not-an-object", "a message that is not a JSON object")
        event = message.get("event")
        if not isinstance(event, str):
            raise WireError("no-event", 'a message without a string "event"')
        if event == "media":
            media = _object(message, "media")
            if media.get("track", "inbound") not in ("inbound", "inbound_track"):
                return Ignored(event, "outbound track")
            payload = media.get("payload")
            if not isinstance(payload, str):
                raise WireError("malformed", 'a "media" message without a string payload')
            return Media(self.stream_of(message), payload)
        if event == "start":
            return self.call_start(message)
        if event == "dtmf":
            digit = _object(message, "dtmf").get("digit")
            if not isinstance(digit, str) or digit not in DIGITS:
                raise WireError("bad-digit", f"a DTMF digit that is not one of 0-9 * #: {str(digit)[:8]!r}")
            return Dtmf(self.stream_of(message), digit)
        if event == self.MARK_EVENT:
            return Mark(self.stream_of(message), self.mark_name(message))
        if event == "stop":
            return Stop(self.stream_of(message))
        if event == "connected":
            return Connected()
        if event in self.IGNORED:
            return Ignored(event)
        raise WireError("unknown-event", f"unknown event {event[:40]!r}")

    def stream_of(self, message: Mapping[str, Any]) -> str | None:
        """The stream id a message names (None when it names none)."""
        value = message.get(self.STREAM_KEY)
        return _text(value, self.STREAM_KEY) if value is not None else None

    def mark_name(self, message: Mapping[str, Any]) -> str:
        """The name of an acknowledged mark."""
        return _text(_object(message, "mark").get("name"), "mark name")

    def call_start(self, message: Mapping[str, Any]) -> CallInfo:
        """The call of a ``start`` message."""
        start = _object(message, "start")
        keys = self.START_KEYS
        stream_id = start.get(self.STREAM_KEY) or message.get(self.STREAM_KEY)
        fmt = start.get(keys.media_format)
        parameters = self.parameters(message, start)
        # a carrier that leaves the numbers out gets them from the webhook, as stream parameters
        caller = _text(start.get(keys.caller), keys.caller) if keys.caller else ""
        callee = _text(start.get(keys.callee), keys.callee) if keys.callee else ""
        return CallInfo(
            carrier=self.name,
            stream_id=_text(stream_id, self.STREAM_KEY, required=True),
            call_id=_text(start.get(keys.call_id), keys.call_id, required=True),
            media_format=self.media_format(fmt) if fmt is not None else self.DEFAULT_FORMAT,
            caller=caller or parameters.get(self.NUMBER_PARAMETERS[0], ""),
            callee=callee or parameters.get(self.NUMBER_PARAMETERS[1], ""),
            account_id=_text(start.get(keys.account_id), keys.account_id) if keys.account_id else "",
            parameters=parameters,
        )

    def media_format(self, fmt: Any) -> MediaFormat:
        """The ``start`` message's media format."""
        if not isinstance(fmt, dict):
            raise WireError("malformed", "the start message's media format is not an object")
        keys = self.START_KEYS
        encoding, rate = fmt.get(keys.encoding), fmt.get(keys.sample_rate, 8000)
        try:
            return MediaFormat.parse(str(encoding)[:60], int(rate), l16=self.L16)
        except (TypeError, ValueError) as exc:
            raise WireError("bad-format", f"unusable media format: {exc}") from None

    def parameters(self, message: Mapping[str, Any], start: Mapping[str, Any]) -> dict[str, str]:
        """The custom parameters of a ``start`` message (a JSON object, or ``a=1&b=2`` text)."""
        key = self.START_KEYS.parameters
        return bounded_parameters(start.get(key) if key else None)

    # -- the media stream: out ------------------------------------------------------------

    def media(self, stream_id: str, payload: str, fmt: MediaFormat) -> dict[str, Any]:
        """Bot audio: ``payload`` is base64 in the call's format."""
        return {"event": "media", self.STREAM_KEY: stream_id, "media": {"payload": payload}}

    def mark(self, stream_id: str, name: str) -> dict[str, Any]:
        """A mark the carrier echoes once the audio before it has played."""
        return {"event": "mark", self.STREAM_KEY: stream_id, "mark": {"name": name}}

    def clear(self, stream_id: str) -> dict[str, Any]:
        """Drop the bot audio the carrier holds (an interruption)."""
        return {"event": "clear", self.STREAM_KEY: stream_id}

    # -- the webhook ----------------------------------------------------------------------

    def signature_valid(self, request: Request, url: str, params: Mapping[str, str]) -> bool | None:
        """Whether the webhook ``request`` (for public ``url``, with form ``params``) is signed
        by the carrier; None when not checked (off, or no credential to check with)."""
        key = self.signing_key(self.SIGNING_KEY) if self.SIGNING_KEY else None
        return None if key is None else self.signed(key, request, url, params)

    def stream_signature_valid(self, request: Request, url: str) -> bool | None:
        """Whether the media stream's WebSocket upgrade ``request`` (for the stream ``url`` the
        markup gave, query included) is signed by the carrier; None when not checked (the
        carrier signs none, checks are off, or no credential to check with)."""
        return self.signature_valid(request, url, {}) if self.SIGNS_STREAM else None

    def signed(self, key: str, request: Request, url: str, params: Mapping[str, str]) -> bool:
        """Whether ``request`` to ``url`` with ``params`` carries the carrier's signature by ``key``
        (the credential :attr:`SIGNING_KEY` names)."""
        raise NotImplementedError

    def stream_parameters(self, params: Mapping[str, str]) -> dict[str, str]:
        """What of the webhook's ``params`` to hand the media stream: its ``From``/``To`` as
        :attr:`NUMBER_PARAMETERS` (``from_number``/``to_number``, the names Pipecat's runner reads)."""
        names = dict(zip(("From", "To"), self.NUMBER_PARAMETERS))
        return {names[key]: value[:64] for key, value in params.items() if key in names and value}

    def answer(self, ws_url: str, params: Mapping[str, str]) -> tuple[str, bytes]:
        """The webhook's answer pointing the call at ``ws_url``: its content type and body."""
        raise NotImplementedError

    # -- the REST API ---------------------------------------------------------------------

    def rest(self) -> CarrierRest | None:
        """A client of the carrier's REST API with the credentials; None when some are missing.

        The default builds ``rest.<REST_CLIENT>`` from the keys named in ``REST_KEYS``, in order.
        """
        if self.REST_CLIENT is None:
            return None
        keys = [self.credential(key) for key in self.REST_KEYS]
        if not all(keys):
            return None
        from . import rest

        client: CarrierRest = getattr(rest, self.REST_CLIENT)(*keys, **self.base_url())
        return client

    def base_url(self) -> dict[str, Any]:
        """``{"base_url": ...}`` when the bot file sets ``api_base_url``, for a REST client."""
        return {"base_url": self.api_base_url} if self.api_base_url else {}

    def signing_key(self, key: str) -> str | None:
        """The credential ``key`` that signs webhooks, when they are to be checked (else None)."""
        return self.credential(key) if self.validate_signatures else None

    def credential(self, key: str) -> str | None:
        """The key ``key`` of :attr:`keys`, or None when unset or empty."""
        value = getattr(self.keys, key, None)
        return value if isinstance(value, str) and value else None


def _object(message: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = message.get(key)
    if not isinstance(value, dict):
        raise WireError("malformed", f'"{key}" is missing or not an object')
    return value


def _text(value: Any, what: str | None, *, required: bool = False) -> str:
    """A short string field (numbers are taken as their text); WireError when absent but required."""
    if value is None or value == "":
        if required:
            raise WireError("malformed", f"{what} is missing")
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > MAX_ID_CHARS:
        raise WireError("malformed", f"{what} is not a string of at most {MAX_ID_CHARS} characters")
    return value


def bounded_parameters(value: Any) -> dict[str, str]:
    """Custom parameters as a dict of strings: at most :data:`MAX_PARAMETERS`, each bounded.

    Takes a JSON object or ``k=v`` pairs separated by ``&``, ``;`` or ``,``; anything else is none.
    """
    if isinstance(value, str):
        pairs: list[tuple[Any, Any]] = parse_qsl(value.replace(";", "&").replace(",", "&")[:8192])
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        return {}
    kept: dict[str, str] = {}
    for name, item in pairs:
        if len(kept) >= MAX_PARAMETERS:
            break
        if isinstance(name, str) and isinstance(item, str | int | float) and len(name) <= MAX_PARAMETER_NAME:
            kept[name] = str(item)[:MAX_PARAMETER_VALUE]
    return kept
