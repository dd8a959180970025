"""The plugin module the ``rtvi`` entry point names: the ``twilio``, ``telnyx``, ``plivo`` and
``exotel`` transports, the ``hang-up`` action and the ``rtvi call`` command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.records import settings_fields, split_record
from rtvi_core.server.config import ServerConfig
from rtvi_core.server.limits import ServerSettings

from .actions import hang_up
from .call_command import CallCommand
from .exotel import PACKET_MS, ExotelTransport
from .plivo import CONTENT_TYPES, PlivoTransport
from .settings import TelephonySettings
from .telnyx import TelnyxTransport
from .twilio import TwilioTransport

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

_SECRET = 'e.g. "${env:%s}"'


class TwilioConfig(_TelephonyKeys):  # type: ignore[misc,valid-type]  # keys built at run time
    """``[transport] use = "twilio"``: the server's keys and Twilio's credentials."""

    account_sid: str | None = Field(
        None, description="Twilio Account SID (hang-up, rtvi call); " + _SECRET % "TWILIO_ACCOUNT_SID"
    )
    auth_token: str | None = Field(
        None,
        description="Twilio auth token: signs webhooks (checked when set), REST calls; "
        + _SECRET % "TWILIO_AUTH_TOKEN",
    )


class TelnyxConfig(_TelephonyKeys):  # type: ignore[misc,valid-type]
    """``[transport] use = "telnyx"``: the server's keys and Telnyx's credentials."""

    api_key: str | None = Field(None, description="Telnyx API key (hang-up, rtvi call); " + _SECRET % "TELNYX_API_KEY")
    connection_id: str | None = Field(
        None, description="the Telnyx connection (TeXML application) id that rtvi call dials with"
    )
    public_key: str | None = Field(
        None,
        description="Telnyx webhook public key (base64 Ed25519): webhooks are checked when set; "
        + _SECRET % "TELNYX_PUBLIC_KEY",
    )


class PlivoConfig(_TelephonyKeys):  # type: ignore[misc,valid-type]
    """``[transport] use = "plivo"``: the server's keys and Plivo's credentials."""

    auth_id: str | None = Field(None, description="Plivo Auth ID (hang-up, rtvi call); " + _SECRET % "PLIVO_AUTH_ID")
    auth_token: str | None = Field(
        None,
        description="Plivo auth token: signs webhooks (checked when set), REST calls; " + _SECRET % "PLIVO_AUTH_TOKEN",
    )
    content_type: Literal[CONTENT_TYPES] = Field(  # type: ignore[valid-type]
        CONTENT_TYPES[0], description="the stream's audio format, asked for in the webhook's <Stream contentType>"
    )


class ExotelConfig(_TelephonyKeys):  # type: ignore[misc,valid-type]
    """``[transport] use = "exotel"``: the server's keys and Exotel's credentials."""

    packet_ms: int = Field(
        PACKET_MS, ge=10, le=200, description="bot audio packet length in ms (Exotel asks for at least 100)"
    )
    api_key: str | None = Field(None, description="Exotel API key (hang-up, rtvi call); " + _SECRET % "EXOTEL_API_KEY")
    api_token: str | None = Field(None, description="Exotel API token; " + _SECRET % "EXOTEL_API_TOKEN")
    account_sid: str | None = Field(None, description="Exotel account SID")
    subdomain: str = Field("api.exotel.com", description="Exotel API host (api.in.exotel.com for the Mumbai cluster)")


def split_transport_config(
    transport: type[TelephonyTransport], config: Any
) -> tuple[TelephonySettings, dict[str, Any]]:
    """The server's settings and the carrier's keys (credentials), from ``transport``'s ``Config``."""
    model: Any = transport.Config
    if not isinstance(config, model):
        config = model.model_validate(config)
    return split_record(TelephonySettings, dict(config))


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
