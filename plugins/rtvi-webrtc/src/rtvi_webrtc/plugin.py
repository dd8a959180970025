"""The plugin module the ``rtvi`` entry point names: the ``webrtc`` transport and its bot-file keys.

Nothing here imports aiortc: ``rtvi plugins`` and bot-file validation stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rtvi_core.plugins import hookimpl
from rtvi_core.record_model import StrictModel, model_from_record
from rtvi_core.records import split_record
from rtvi_core.services.transport_params import TransportParams

from .ice_servers import IceServerEntry, check_ice_servers
from .settings import WebRTCSettings
from .transport import DEFAULT_PARAMS, WebRTCTransport

_WebRTCKeys: type[StrictModel] = model_from_record(
    WebRTCSettings,
    "_WebRTCKeys",
    "The transport's audio settings and the WebRTC settings.",
    base=model_from_record(
        TransportParams,
        "_WebRTCAudio",
        "The transport's audio settings (``TransportParams`` without the VAD).",
        exclude=("vad_analyzer",),
        fields={name: {"default": value} for name, value in DEFAULT_PARAMS.items()},
    ),
    types={
        "ice_servers": tuple[IceServerEntry, ...],
        "client_ice_servers": tuple[IceServerEntry, ...] | None,
        "default_ice_servers": tuple[IceServerEntry, ...],
    },
)


class WebRTCTransportConfig(_WebRTCKeys):  # type: ignore[misc,valid-type]  # keys built at run time
    """``[transport] use = "webrtc"``: audio settings of each session, WebRTC settings."""

    def model_post_init(self, context: Any) -> None:
        check_ice_servers("ice_servers", self.ice_servers, for_aiortc=True)
        if self.ice_transport_policy not in ("all", "relay"):
            raise ValueError(f"ice_transport_policy must be 'all' or 'relay', not {self.ice_transport_policy!r}")


def split_transport_config(config: Any) -> tuple[dict[str, Any], WebRTCSettings]:
    """The transport's audio parameters and the WebRTC settings, from its ``Config``."""
    if not isinstance(config, WebRTCTransportConfig):
        config = WebRTCTransportConfig.model_validate(config)
    settings, audio = split_record(WebRTCSettings, dict(config))
    return audio, settings


@hookimpl
def rtvi_register_transports(register: Callable[[type], None]) -> None:
    """Register the ``webrtc`` transport."""
    register(WebRTCTransport)
