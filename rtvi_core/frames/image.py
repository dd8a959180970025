"""Image frames: raw images from the user's camera or screen."""

from __future__ import annotations

from ..records import field
from ..records import record as frame_dataclass
from .base import SystemFrame


@frame_dataclass
class ImageRawFrame:
    """Mixin for a raw image: ``image`` holds ``size`` = (width, height) pixels in ``format``.

    ``format`` names the pixel layout (``"RGB"``: 3 bytes per pixel, rows top to bottom,
    no padding, so ``len(image) == width * height * 3``), or an encoding such as ``"JPEG"``.
    The image bytes are left out of ``repr`` (megabytes in a log line).
    """

    image: bytes = field(repr=False)
    size: tuple[int, int]
    format: str | None


@frame_dataclass
class InputImageRawFrame(SystemFrame, ImageRawFrame):
    """An image from the user (a system frame, like input audio: never queued behind output).

    ``transport_source`` names where it came from (``"camera"`` or ``"screenVideo"``
    for a WebRTC client's camera and screen share, as in Pipecat).
    """


@frame_dataclass
class UserImageRawFrame(InputImageRawFrame):
    """An input image attributed to one participant."""

    user_id: str = ""
