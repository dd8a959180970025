"""The RTVI message frames, re-exported from :mod:`rtvi_core.frames.rtvi` (where they live)."""

from ..frames.rtvi import (
    MESSAGE_FRAMES,
    RTVIClientMessage,
    RTVIClientMessageFrame,
    RTVIObserverConfigFrame,
    RTVISendTextFrame,
    RTVIServerMessageFrame,
    RTVIServerResponseFrame,
    RTVIUICommandFrame,
    RTVIUIJobGroupFrame,
    RTVIUIMessageFrame,
)

__all__ = [
    "MESSAGE_FRAMES",
    "RTVIClientMessage",
    "RTVIClientMessageFrame",
    "RTVIObserverConfigFrame",
    "RTVISendTextFrame",
    "RTVIServerMessageFrame",
    "RTVIServerResponseFrame",
    "RTVIUICommandFrame",
    "RTVIUIJobGroupFrame",
    "RTVIUIMessageFrame",
]
