"""The user's camera and screen tracks, sampled into RGB images for the pipeline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .log import logger

logger = logger.getChild("video_in")

#: Where each video m-line of the stock client's offer comes from (``transport_source``).
SOURCES: Final = {"1": "camera", "2": "screenVideo"}

#: What receives a sampled image: RGB bytes, (width, height), the source, pts in ns (or None).
ImageSink = Callable[[bytes, tuple[int, int], str, int | None], Awaitable[None]]


def scaled_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """``(width, height)`` no wider than ``max_width``, keeping the aspect (at least 1 × 1)."""
    if width <= max_width:
        return width, height
    return max_width, max(1, round(height * max_width / width))


def to_rgb(frame: av.VideoFrame, max_width: int) -> tuple[bytes, tuple[int, int]]:
    """A decoded frame as packed RGB (3 bytes a pixel, no row padding), at most ``max_width`` wide."""
    width, height = scaled_size(frame.width, frame.height, max_width)
    rgb = frame.reformat(width=width, height=height, format="rgb24")
    plane = rgb.planes[0]
    row = width * 3
    stride = plane.line_size
    data = memoryview(plane)
    if stride == row:
        return bytes(data[: row * height]), (width, height)
    # libswscale pads each row to its alignment: copy the pixels of each row only
    return b"".join(data[y * stride : y * stride + row] for y in range(height)), (width, height)


def pts_ns(frame: av.VideoFrame) -> int | None:
    """The frame's presentation time in nanoseconds, when it has one."""
    if frame.pts is None or frame.time_base is None:
        return None
    return int(frame.pts * frame.time_base * 1_000_000_000)


class VideoReader:
    """Decoded frames of a remote video track → an RGB image every ``1 / framerate`` s → ``sink``.

    aiortc decodes every received frame in a thread of its own (a video decoder needs each
    frame of a group of pictures to decode the next, so frames between samples cannot be
    skipped) and queues them for :meth:`run`, which takes each one off the queue at once:
    the queue never grows while the images are converted and pushed. A frame is sampled
    when ``1 / framerate`` s have passed since the previous sample; converting it
    (``rgb24``, scaled down to ``max_width``) runs in a worker thread, and pushing it in a
    task of its own, so a pipeline slow to take an image makes the reader skip samples, not
    queue frames. With ``framerate`` 0 the receiver stays disabled (nothing is decoded).

    Until :meth:`run` starts, the receiver is disabled (its RTP is dropped before the
    decoder, as Pipecat does until its first read), so nothing is decoded for a pipeline
    that is not running yet.
    """

    def __init__(
        self,
        track: MediaStreamTrack,
        receiver: Any,
        source: str,
        *,
        framerate: float,
        max_width: int,
        sink: ImageSink,
        started: Callable[[], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._track = track
        self._receiver = receiver
        self.source = source
        self._interval = 1 / framerate if framerate > 0 else 0.0
        self._max_width = max_width
        self._sink = sink
        self._started = started
        self._clock = clock
        self._delivering: asyncio.Task[None] | None = None
        self.received = 0  #: decoded frames taken off the track
        self.sampled = 0  #: images handed to the sink
        self.skipped = 0  #: samples skipped while the previous image was still being pushed
        receiver._enabled = False

    async def run(self) -> None:
        """Wait for the pipeline, then read until the track ends."""
        if not self._interval:
            return  # no images wanted: the receiver stays disabled
        await self._started()
        self._receiver._enabled = True
        due = 0.0
        try:
            while True:
                try:
                    frame = await self._track.recv()
                except MediaStreamError:
                    logger.debug("%s track %s ended", self.source, self._track.id)
                    return
                if not isinstance(frame, av.VideoFrame):
                    continue  # a video track yields video frames
                self.received += 1
                now = self._clock()
                if now < due:
                    continue
                due = due + self._interval if due + self._interval > now else now + self._interval
                if self._delivering is not None and not self._delivering.done():
                    self.skipped += 1
                    continue
                self._delivering = asyncio.get_running_loop().create_task(
                    self._deliver(frame), name=f"{self.source} image"
                )
        finally:
            self._receiver._enabled = False
            if self._delivering is not None:
                self._delivering.cancel()

    async def _deliver(self, frame: av.VideoFrame) -> None:
        try:
            image, size = await asyncio.to_thread(to_rgb, frame, self._max_width)
            self.sampled += 1
            await self._sink(image, size, self.source, pts_ns(frame))
        except Exception:
            logger.exception("%s image: conversion or push failed", self.source)
