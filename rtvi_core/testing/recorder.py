"""``FrameRecorder``: a pass-through processor that records frames for tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

import anyio

from ..direction import FrameDirection
from ..frames import Frame, TextFrame
from ..processor import FrameProcessor

DOWNSTREAM = FrameDirection.DOWNSTREAM

F = TypeVar("F", bound=Frame)
G = TypeVar("G", bound=Frame)
H = TypeVar("H", bound=Frame)


class FrameRecorder(FrameProcessor):
    """Passes every frame on unchanged and records it; tests read and wait on the record.

    Put it anywhere in a pipeline. ``log`` holds every ``(frame, direction)`` in the
    order the frames reached the recorder (a system frame is handled as soon as it
    is pushed, so it can arrive before data frames pushed earlier); ``frames`` holds
    the downstream ones only. With ``types``, only frames of those classes are recorded.
    """

    def __init__(self, *, types: tuple[type[Frame], ...] | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.types = types
        self.log: list[tuple[Frame, FrameDirection]] = []
        self._frames: list[Frame] = []
        self._changed: anyio.Event | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if self.types is None or isinstance(frame, self.types):
            self.log.append((frame, direction))
            if direction is DOWNSTREAM:
                self._frames.append(frame)
            changed = self._changed
            if changed is not None:
                self._changed = None
                changed.set()
        await self.push_frame(frame, direction)

    @property
    def frames(self) -> list[Frame]:
        """The downstream frames recorded so far, in order (do not modify)."""
        return self._frames

    @overload
    def of(self, cls: type[F], direction: FrameDirection = DOWNSTREAM) -> list[F]: ...

    @overload
    def of(self, cls: tuple[type[F], type[G]], direction: FrameDirection = DOWNSTREAM) -> list[F | G]: ...

    @overload
    def of(self, cls: tuple[type[F], type[G], type[H]], direction: FrameDirection = DOWNSTREAM) -> list[F | G | H]: ...

    @overload
    def of(self, cls: tuple[type[Frame], ...], direction: FrameDirection = DOWNSTREAM) -> list[Frame]: ...

    def of(self, cls: type[Frame] | tuple[type[Frame], ...], direction: FrameDirection = DOWNSTREAM) -> list[Any]:
        """The recorded frames of ``cls`` (a class or a tuple of classes) going ``direction``."""
        return [f for f, d in self.log if d is direction and isinstance(f, cls)]

    def texts(self, cls: type[TextFrame] = TextFrame, direction: FrameDirection = DOWNSTREAM) -> list[str]:
        """The ``text`` of each recorded :class:`TextFrame` (or ``cls``) going ``direction``."""
        return [f.text for f in self.of(cls, direction)]

    def names(self, *types: type[Frame], direction: FrameDirection = DOWNSTREAM) -> list[str]:
        """The class names of the recorded frames of ``types`` (all if none) going ``direction``."""
        return [type(f).__name__ for f in self.of(types or (Frame,), direction)]

    async def wait_for(self, condition: Callable[[], object], timeout: float = 3.0) -> None:
        """Return once ``condition()`` is true; it is checked now and after each recorded frame.

        Raises :class:`TimeoutError` (listing the last frames recorded) after ``timeout`` s.
        """
        try:
            with anyio.fail_after(timeout):
                while not condition():
                    if self._changed is None:
                        self._changed = anyio.Event()
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"{self}: condition still false after {timeout} s; {self._describe_tail()}") from None

    def _describe_tail(self, count: int = 12) -> str:
        tail = [type(f).__name__ + ("" if d is DOWNSTREAM else " (upstream)") for f, d in self.log[-count:]]
        return f"{len(self.log)} frames recorded, the last: [{', '.join(tail)}]"
