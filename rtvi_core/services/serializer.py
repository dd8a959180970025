"""``FrameSerializer``: turns frames into wire payloads and wire payloads into frames."""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..frames import Frame, StartFrame


class FrameSerializer(ABC):
    """Converts between frames and what a network transport sends and receives.

    A transport calls :meth:`setup` when its StartFrame arrives, :meth:`serialize`
    for each frame it writes and :meth:`deserialize` for each payload it receives.
    Both return None for what they do not carry (the transport then skips it).
    """

    async def setup(self, frame: StartFrame) -> None:
        """Learn the run's settings (sample rates, ...) from the StartFrame."""

    @abstractmethod
    def serialize(self, frame: Frame) -> bytes | str | None:
        """The payload to send for ``frame``, or None when it is not sent."""

    @abstractmethod
    def deserialize(self, data: bytes | str) -> Frame | None:
        """The frame a received payload stands for, or None to drop it."""
