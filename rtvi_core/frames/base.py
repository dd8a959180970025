"""The frame base classes: every frame is a system, data or control frame.

* **System frames** are handled the moment they are pushed: they never wait behind
  queued data, and an interruption never drops them.
* **Data frames** (audio, text, LLM output, ...) queue in order at each processor.
* **Control frames** (end of stream, LLM response boundaries, TTS start/stop, ...)
  queue in order with the data they frame.

A frame whose ``interruptible`` flag is false (every :class:`UninterruptibleFrame`,
and :class:`~rtvi_core.frames.control.EndFrame`) survives interruptions: it is not
dropped from queues and its processing is not cancelled.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar, cast

from ..records import field
from ..records import record as frame_dataclass

_frame_ids = itertools.count(1)

# ``frame_dataclass`` (imported under that name so type checkers keep its dataclass
# semantics): the decorator of frame classes, a light dataclass (fields, defaults,
# ``field()``, ``__post_init__``); frames compare and hash by identity.


@frame_dataclass
class Frame:
    """Base of all frames.

    Every frame gets a process-unique, increasing ``id`` and a readable ``name``
    (``"TextFrame#42"``). ``metadata`` is free for applications; ``pts`` is a
    presentation timestamp in nanoseconds when a producer sets one.
    """

    id: int = field(init=False, repr=False)
    metadata: dict[str, Any] = field(init=False, repr=False)

    #: True for frames handled immediately (never queued behind data).
    is_system: ClassVar[bool] = False
    # Plain class attributes (not dataclass fields), overridable per instance, so
    # subclasses can declare required fields and instances stay small (``cast`` gives
    # type checkers the type an instance may set, without making a field of it).
    interruptible = True  #: false: survives interruptions
    pts = cast("int | None", None)  #: presentation timestamp in nanoseconds, or None
    #: the transport (or, for input media, the track: ``"camera"``, ``"screenVideo"``) that produced the frame
    transport_source = cast("str | None", None)
    transport_destination = cast("str | None", None)  #: name of the transport the frame is meant for

    def __post_init__(self) -> None:
        self.id = next(_frame_ids)
        self.metadata = {}

    @property
    def name(self) -> str:
        """``ClassName#id``, used in logs and on the wire."""
        return f"{type(self).__name__}#{self.id}"

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in self.__record_fields__  # type: ignore[attr-defined]
            if f.repr and f.init
        )
        return f"{self.name}({shown})"


@frame_dataclass
class SystemFrame(Frame):
    """A frame handled as soon as it is pushed, ahead of any queued frame."""

    is_system: ClassVar[bool] = True


@frame_dataclass
class DataFrame(Frame):
    """A frame carrying content; queued in order at every processor."""


@frame_dataclass
class ControlFrame(Frame):
    """A frame that steers processing; queued in order with the data it frames."""


@frame_dataclass
class UninterruptibleFrame(Frame):
    """Mixin marking a frame that interruptions neither drop nor cancel.

    List it after the system/data/control base: ``class F(DataFrame, UninterruptibleFrame)``.
    """

    interruptible = False
