"""The plugin module the ``rtvi`` entry point names: the ``twilio``, ``telnyx``, ``plivo`` and
``exotel`` transports, the ``hang-up`` action and the ``rtvi call`` command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.records import settings_fields, split_record
from rtvi_core.server.config import ServerConfig
from rtvi_core.server.limits import ServerSettings

from .actions import hang_up
from .call_command import CallCommand
from .exotel import PACKET_MS, ExotelKeys, ExotelTransport
from .plivo import CONTENT_TYPES, PlivoKeys, PlivoTransport
from .settings import TelephonySettings
from .telnyx import TelnyxKeys, TelnyxTransport
from .twilio import TwilioKeys, TwilioTransport

if TYPE_CHECKING:
    from .transport import TelephonyTransport

#: The server's shared keys (``ServerConfig``), the WebSocket's and a phone call's, as the records declare them.
_TelephonyKeys: type[StrictModel] = model_from_record(
    TelephonySettings,
    "_TelephonyKeys",
    "The server's settings, the media stream's and a phone call's.",
    base=ServerConfig,
    exclude=[spec.name for spec in settings_fields(ServerSettings)],
)


class _PhoneServer(_TelephonyKeys):  # type: ignore[misc,valid-type]  # keys built at run time
    """The keys every carrier's transport has; ``auth`` is refused (a carrier brings no token)."""

    @model_validator(mode="after")
    def _no_tokens(self) -> _PhoneServer:
        if self.auth:
            raise ValueError(
                "auth: carriers bring no /start token to the media stream; webhooks are checked by their "
                "signatures (validate_signatures, with the carrier's auth token or public key)"
            )
        return self


class _TwilioServer(_PhoneServer):
    """The server's keys; no ``stream_secret``: Twilio's stream URL takes no query (it signs the upgrade)."""

    @model_validator(mode="after")
    def _no_stream_secret(self) -> _TwilioServer:
        if self.stream_secret:
            raise ValueError(
                "stream_secret: Twilio's <Stream url> takes no query string; Twilio signs the media stream's "
                "upgrade instead (X-Twilio-Signature, checked with auth_token and validate_signatures)"
            )
        return self


class _ExotelServer(_PhoneServer):
    """The server's keys with Exotel's packet length (it asks for chunks of at least 100 ms)."""

    packet_ms: int = Field(
        PACKET_MS, ge=10, le=200, description="bot audio packet length in ms (Exotel asks for at least 100)"
    )


TwilioConfig: type[StrictModel] = model_from_record(
    TwilioKeys, "TwilioConfig", '``[transport] use = "twilio"``: the server keys and Twilio\'s.', base=_TwilioServer
)
TelnyxConfig: type[StrictModel] = model_from_record(
    TelnyxKeys, "TelnyxConfig", '``[transport] use = "telnyx"``: the server keys and Telnyx\'s.', base=_PhoneServer
)
PlivoConfig: type[StrictModel] = model_from_record(
    PlivoKeys,
    "PlivoConfig",
    '``[transport] use = "plivo"``: the server keys and Plivo\'s.',
    base=_PhoneServer,
    types={"content_type": Literal[CONTENT_TYPES]},
)
ExotelConfig: type[StrictModel] = model_from_record(
    ExotelKeys, "ExotelConfig", '``[transport] use = "exotel"``: the server keys and Exotel\'s.', base=_ExotelServer
)


def split_transport_config(transport: type[TelephonyTransport], config: Any) -> tuple[TelephonySettings, Any]:
    """The server's and the call's settings, and the carrier's keys (its ``KEYS`` record), from
    ``transport``'s validated ``Config``."""
    model: Any = transport.Config
    if not isinstance(config, model):
        config = model.model_validate(config)
    settings, rest = split_record(TelephonySettings, dict(config))
    keys: Any = split_record(transport.CARRIER.KEYS, rest)[0]
    return settings, keys


@hookimpl
def rtvi_register_transports(register: Callable[[type], None]) -> None:
    """Register the four carriers' transports."""
    for transport in (TwilioTransport, TelnyxTransport, PlivoTransport, ExotelTransport):
        register(transport)


@hookimpl
def rtvi_register_actions(register: Callable[[Any], None]) -> None:
    """Register the ``hang-up`` action."""
    register(hang_up)


@hookimpl
def rtvi_register_cli_commands(register: Callable[[Any], None]) -> None:
    """Register ``rtvi call``."""
    register(CallCommand())
