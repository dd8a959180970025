"""The one place this plugin reaches into aiortc: the audio receiver's jitter buffer."""

from __future__ import annotations

from typing import Any, Final, Protocol

import aiortc
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket

#: ``RTCRtpReceiver.__jitter_buffer`` (name-mangled) in aiortc 1.16.
_JITTER_BUFFER: Final = "_RTCRtpReceiver__jitter_buffer"


class PacketSink(Protocol):
    """What takes the receiver's packets: the ``add`` of aiortc's ``JitterBuffer``.

    Returning ``(False, None)`` (no picture loss, no frame) leaves aiortc's decoder thread
    without work.
    """

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        """Take one depayloaded RTP packet."""


def tap_audio_receiver(receiver: Any, sink: PacketSink) -> None:
    """Have an audio ``receiver`` hand each RTP packet to ``sink`` instead of its jitter buffer.

    aiortc still counts the packets (RTCP receiver reports, ``getStats``), checks their
    payload type and depayloads them first. RuntimeError when this aiortc keeps no audio
    jitter buffer there (``pyproject.toml`` pins the versions it was checked with).
    """
    if not isinstance(receiver, RTCRtpReceiver) or not isinstance(
        getattr(receiver, _JITTER_BUFFER, None), JitterBuffer
    ):
        raise RuntimeError(
            f"aiortc {aiortc.__version__}: RTCRtpReceiver has no jitter buffer at {_JITTER_BUFFER} "
            "(rtvi-webrtc's microphone path is built for aiortc 1.16)"
        )
    setattr(receiver, _JITTER_BUFFER, sink)
