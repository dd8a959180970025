"""Host candidates: aioice gathers where the server says, loopback included when asked."""

from __future__ import annotations

import aioice.ice
import pytest
from rtvi_webrtc import ice


def test_gathering_on_chooses_the_addresses_and_falls_back_outside() -> None:
    ice.install()
    default = aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True)
    assert "127.0.0.1" not in default  # aioice's own choice never has loopback
    with ice.gathering_on(("127.0.0.1", "::1")):
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]
        with ice.gathering_on(None):
            assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == default
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == default


def test_host_addresses_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ice.host_addresses_for("loopback") == ("127.0.0.1",)
    assert ice.host_addresses_for(("10.0.0.5",)) == ("10.0.0.5",)
    monkeypatch.setattr(ice, "_original", lambda use_ipv4, use_ipv6: ["192.168.1.20"])
    assert ice.host_addresses_for("auto") is None  # aioice's choice
    monkeypatch.setattr(ice, "_original", lambda use_ipv4, use_ipv6: [])
    assert ice.host_addresses_for("auto") == ("127.0.0.1",)  # no other interface: loopback, not nothing
    assert ice.is_loopback_only(("127.0.0.1",)) and not ice.is_loopback_only(None)
    assert not ice.is_loopback_only(("127.0.0.1", "10.0.0.5"))


def test_ice_servers_for_aiortc_and_for_the_browser() -> None:
    from rtvi_webrtc.plugin import WebRTCTransportConfig

    config = WebRTCTransportConfig(
        ice_servers=["stun:stun.example.net:3478", {"urls": "turn:t.example.net", "username": "u", "credential": "c"}]
    )
    servers = ice.rtc_ice_servers(config.ice_servers)
    assert [s.urls for s in servers] == [["stun:stun.example.net:3478"], ["turn:t.example.net"]]
    assert servers[1].username == "u" and servers[1].credential == "c"
    assert config.ice_servers[1].for_client() == {"urls": ["turn:t.example.net"], "username": "u", "credential": "c"}


@pytest.mark.parametrize(
    ("keys", "error"),
    [
        ({"ice_servers": ["http://stun.example.net"]}, "is not a STUN/TURN URL"),
        ({"ice_servers": ["stun:a.example", "stun:b.example"]}, "one STUN and one TURN server at most"),
        ({"ice_servers": [{"urls": "turn:t.example"}]}, "needs a username and a credential"),
        ({"ice_servers": ["stuns:a.example"]}, "has no stuns: support"),
        ({"client_ice_servers": [{"urls": "turn:t.example", "username": "u"}]}, "needs a username and a credential"),
        ({"ice_host_addresses": ["my-laptop"]}, "'my-laptop' is not an IP address"),
        ({"ice_host_addresses": "lan"}, "ice_host_addresses"),
        ({"ice_transport_policy": "turn"}, "ice_transport_policy"),
        ({"audio_out_bitrate": 100}, "audio_out_bitrate"),
        ({"audio_in_reorder_ms": -1}, "audio_in_reorder_ms"),
        ({"connect_timeout_secs": 0}, "connect_timeout_secs"),
        ({"max_datachannel_message_bytes": 10_000_000}, "max_datachannel_message_bytes"),
    ],
)
def test_bad_keys_name_what_is_wrong(keys: dict[str, object], error: str) -> None:
    from rtvi_webrtc.plugin import WebRTCTransportConfig

    with pytest.raises(ValueError) as raised:
        WebRTCTransportConfig(**keys)
    assert error in str(raised.value)
