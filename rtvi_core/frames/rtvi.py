"""The RTVI message frames: client requests in, app replies and pushes out.

They live with the other frames (not in :mod:`rtvi_core.rtvi`) because both sides
use them: the services and transports pass them through (:data:`MESSAGE_FRAMES`),
the RTVI processor makes the inbound ones and the RTVI observer reports the rest.
``rtvi_core.rtvi.frames`` re-exports them.
"""

from __future__ import annotations

from typing import Any

from ..records import record
from ..records import record as frame_dataclass
from .base import ControlFrame, Frame, SystemFrame
from .transport import InputTransportMessageFrame, OutputTransportMessageUrgentFrame


@record(eq=True)
class RTVIClientMessage:
    """A ``client-message`` request: id, app type ``t`` and data ``d``."""

    msg_id: str
    type: str
    data: Any = None


@frame_dataclass
class RTVIClientMessageFrame(SystemFrame):
    """A ``client-message`` pushed downstream for application processors."""

    msg_id: str
    type: str
    data: Any = None


@frame_dataclass
class RTVISendTextFrame(SystemFrame):
    """Text the client sent in a ``send-text`` (``msg_id`` is its id).

    Pushed downstream by the RTVI processor right after the frame that appends the
    text to the context; the RTVI observer acknowledges it with ``user-input``.
    """

    msg_id: str
    text: str
    user_id: str | None = None


@frame_dataclass
class RTVIServerMessageFrame(SystemFrame):
    """Pushed anywhere: the observer sends ``server-message`` with ``data``."""

    data: Any


@frame_dataclass
class RTVIServerResponseFrame(SystemFrame):
    """Reply to a ``client-message``: ``server-response``, or ``error-response`` if ``error``."""

    client_msg: RTVIClientMessage
    data: Any = None
    error: str | None = None


@frame_dataclass
class RTVIUIMessageFrame(SystemFrame):
    """A client UI message (``ui-event``, ``ui-snapshot``, ``ui-cancel-job-group``)."""

    msg_id: str
    type: str
    data: Any


@frame_dataclass
class RTVIUICommandFrame(SystemFrame):
    """Pushed anywhere: the observer sends ``ui-command``."""

    command: str
    payload: Any = None


@frame_dataclass
class RTVIUIJobGroupFrame(SystemFrame):
    """Pushed anywhere: the observer sends ``ui-job-group`` with ``data``."""

    data: dict[str, Any]


@frame_dataclass
class RTVIObserverConfigFrame(ControlFrame):
    """Changes observer settings at run time (e.g. ``function_call_report_level``)."""

    function_call_report_level: dict[str, Any] | None = None
    vad_user_speaking_enabled: bool | None = None


#: The system frames carrying client messages and urgent replies: processors that act on
#: neither pass them through (their ``FrameProcessor.passes_through``), so a message goes
#: from the transport to the RTVI processor, and a reply to the output, in one hop.
MESSAGE_FRAMES: frozenset[type[Frame]] = frozenset(
    {
        InputTransportMessageFrame,
        OutputTransportMessageUrgentFrame,
        RTVIClientMessageFrame,
        RTVISendTextFrame,
        RTVIUIMessageFrame,
    }
)
