"""The plugin module the ``rtvi`` entry point names: the ``webrtc`` transport and its bot-file keys.

Nothing here imports aiortc: ``rtvi plugins`` and bot-file validation stay fast.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from pydantic import field_validator, model_validator

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.records import settings_fields, split_record
from rtvi_core.server.config import ServerConfig
from rtvi_core.server.limits import ServerSettings
from rtvi_core.services.transport_params import TransportParams

from .ice_servers import check_ice_servers
from .settings import WebRTCSettings
from .transport import DEFAULT_PARAMS, WebRTCTransport

#: The server's shared keys (``ServerConfig``), the keys of ``TransportParams`` (with the
#: transport's own defaults), then the WebRTC keys, as those records declare them.
_WebRTCKeys: type[StrictModel] = model_from_record(
    WebRTCSettings,
    "_WebRTCKeys",
    "The server's settings, the transport's audio settings and the WebRTC settings.",
    base=model_from_record(
        TransportParams,
        "_WebRTCAudio",
        "The server's settings and the transport's audio settings (``TransportParams`` without the VAD).",
        base=ServerConfig,
        exclude=("vad_analyzer",),
        fields={name: {"default": value} for name, value in DEFAULT_PARAMS.items()},
    ),
    exclude=[spec.name for spec in settings_fields(ServerSettings)],
)


class WebRTCTransportConfig(_WebRTCKeys):  # type: ignore[misc,valid-type]  # keys built at run time
    """``[transport] use = "webrtc"``: audio settings of each session, the server's limits, ICE."""

    @field_validator("ice_host_addresses")
    @classmethod
    def _addresses_are_ips(cls, addresses: Any) -> Any:
        if isinstance(addresses, tuple):
            for address in addresses:
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    raise ValueError(f"{address!r} is not an IP address") from None
        return addresses

    @model_validator(mode="after")
    def _ice_servers_usable(self) -> WebRTCTransportConfig:
        check_ice_servers("ice_servers", self.ice_servers, for_aiortc=True)
        check_ice_servers("client_ice_servers", self.client_ice_servers or (), for_aiortc=False)
        check_ice_servers("default_ice_servers", self.default_ice_servers, for_aiortc=False)
        return self


def split_transport_config(config: Any) -> tuple[dict[str, Any], WebRTCSettings]:
    """The transport's audio parameters and the server's settings, from its ``Config``."""
    if not isinstance(config, WebRTCTransportConfig):
        config = WebRTCTransportConfig.model_validate(config)
    settings, audio = split_record(WebRTCSettings, dict(config))
    return audio, settings


@hookimpl
def rtvi_register_transports(register: Callable[[type], None]) -> None:
    """Register the ``webrtc`` transport."""
    register(WebRTCTransport)
