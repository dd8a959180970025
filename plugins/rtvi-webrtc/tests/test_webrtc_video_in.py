"""Camera and screen video in: image frames at the configured rate with ``video_in_enabled``,
the video m-lines refused (``inactive``) without it, and the video keys checked by name."""

from __future__ import annotations

import time
from typing import Any

import anyio
import av
import pytest
from rtvi_webrtc.video_in import scaled_size, to_rgb
from stock_peer import ColorTrack, StockPeer
from test_webrtc_server_sessions import READY, connect
from webrtc_support import BOT, serving, until_health

from rtvi_core.config.loader import BotFileError, load_bot_text
from rtvi_core.frames import UserImageRawFrame
from rtvi_core.observers import BaseObserver, FramePushed
from rtvi_core.plugins.manager import PluginManager

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

RED = (220, 30, 30)
BLUE = (30, 40, 210)


class ImagesIn(BaseObserver):
    """The image frames the input transport pushes, with their arrival times."""

    frame_types = (UserImageRawFrame,)

    def __init__(self) -> None:
        self.images: list[tuple[float, UserImageRawFrame]] = []
        self.input: Any = None

    def watch(self, session: Any) -> None:
        self.input = session.transport.input()
        session.task.add_observer(self)

    async def on_push_frame(self, data: FramePushed) -> None:
        if data.source is self.input and isinstance(data.frame, UserImageRawFrame):
            self.images.append((time.monotonic(), data.frame))

    def of(self, source: str) -> list[tuple[float, UserImageRawFrame]]:
        return [(at, frame) for at, frame in self.images if frame.transport_source == source]


def pixel(frame: UserImageRawFrame, x: int, y: int) -> tuple[int, ...]:
    width = frame.size[0]
    start = (y * width + x) * 3
    return tuple(frame.image[start : start + 3])


def near(rgb: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, expected))


def answer_directions(sdp: str) -> list[tuple[str, str]]:
    """(kind, direction) of each m-line of an SDP."""
    found: list[tuple[str, str]] = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            found.append((line[2:].split()[0], ""))
        elif line in ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive") and found:
            found[-1] = (found[-1][0], line[2:])
    return found


async def test_camera_and_screen_arrive_as_rgb_images_at_the_configured_rate() -> None:
    images = ImagesIn()
    async with serving(on_session=images.watch, video_in_enabled=True, video_in_framerate=4) as server:
        camera, screen = ColorTrack(RED, 320, 240), ColorTrack(BLUE, 480, 270)
        client = StockPeer(camera=camera, screen=screen)
        try:
            await connect(server, client)
            directions = answer_directions(client.pc.remoteDescription.sdp)
            assert directions[:3] == [("audio", "sendrecv"), ("video", "recvonly"), ("video", "recvonly")]
            client.send("client-ready", READY)
            ready = await client.wait_for("bot-ready")
            capabilities = ready["data"]["capabilities"]
            assert (capabilities["video_in"], capabilities["screen_in"]) == (True, True)
            with anyio.fail_after(20):
                while len(images.of("camera")) < 2 or len(images.of("screenVideo")) < 2:
                    await anyio.sleep(0.05)
            await anyio.sleep(2.5)
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)

    for source, size, color in (("camera", (320, 240), RED), ("screenVideo", (480, 270), BLUE)):
        arrived = images.of(source)
        first = arrived[0][0]
        in_two_secs = [frame for at, frame in arrived if first <= at < first + 2.0]
        # 4 a second, sampled from 30 frames a second: 8 in 2 s (never more than 9; loosely at least 4)
        assert 4 <= len(in_two_secs) <= 9, (source, [round(at - first, 2) for at, _ in arrived])
        frame = arrived[-1][1]
        assert (frame.size, frame.format, len(frame.image)) == (size, "RGB", size[0] * size[1] * 3)
        assert frame.user_id.startswith("rtvi-") and frame.pts is not None
        for x, y in ((size[0] // 2, size[1] // 2), (5, 5), (size[0] - 5, size[1] - 5)):
            assert near(pixel(frame, x, y), color), (source, x, y, pixel(frame, x, y))
    assert camera.sent > 60, "the client sent 30 frames a second; the bot pushed only the samples"


async def test_wide_images_are_scaled_down_keeping_their_aspect() -> None:
    images = ImagesIn()
    transport = {"video_in_enabled": True, "video_in_framerate": 10, "video_in_max_width": 160}
    async with serving(on_session=images.watch, **transport) as server:
        client = StockPeer(camera=ColorTrack(RED, 640, 360))
        try:
            await connect(server, client)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            with anyio.fail_after(20):
                while not images.of("camera"):
                    await anyio.sleep(0.05)
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)
    frame = images.of("camera")[0][1]
    assert frame.size == (160, 90) and len(frame.image) == 160 * 90 * 3
    assert near(pixel(frame, 80, 45), RED)
    assert not images.of("screenVideo"), "the client's screen m-line carried no track"


async def test_without_video_in_the_video_is_refused_and_capabilities_say_so() -> None:
    images = ImagesIn()
    async with serving(on_session=images.watch) as server:
        client = StockPeer(camera=ColorTrack(RED), screen=ColorTrack(BLUE))
        try:
            await connect(server, client)
            directions = answer_directions(client.pc.remoteDescription.sdp)
            assert directions[:3] == [("audio", "sendrecv"), ("video", "inactive"), ("video", "inactive")]
            client.send("client-ready", READY)
            ready = await client.wait_for("bot-ready")
            capabilities = ready["data"]["capabilities"]
            assert (capabilities["video_in"], capabilities["screen_in"]) == (False, False)
            await anyio.sleep(1.0)
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)
    assert images.images == []


async def test_a_framerate_of_zero_pushes_no_image() -> None:
    images = ImagesIn()
    async with serving(on_session=images.watch, video_in_enabled=True, video_in_framerate=0) as server:
        client = StockPeer(camera=ColorTrack(RED))
        try:
            await connect(server, client)
            client.send("client-ready", READY)
            ready = await client.wait_for("bot-ready")
            assert ready["data"]["capabilities"]["video_in"] is True
            await anyio.sleep(1.5)
        finally:
            await client.close()
        await until_health(server, sessions=0, peer_connections=0)
    assert images.images == []


@pytest.mark.parametrize(
    ("key", "value", "bound"),
    [
        ("video_in_framerate", -1, "greater than or equal to 0"),
        ("video_in_framerate", 1000, "less than or equal to 30"),
        ("video_in_max_width", 100_000, "less than or equal to 3840"),
        ("video_in_max_width", 0, "greater than or equal to 16"),
    ],
)
def test_a_video_key_out_of_range_is_refused_by_name(key: str, value: int, bound: str) -> None:
    registry = PluginManager(autoload=True, allow=["webrtc"]).registry
    with pytest.raises(BotFileError) as refused:
        load_bot_text(BOT.format(transport=f"{key} = {value}"), file="bot.toml", registry=registry)
    assert (
        str(refused.value)
        == f"bot.toml: transport.{key}: transport plugin 'webrtc': expected a value {bound}, got {value}"
    )


def test_rgb_conversion_drops_row_padding_and_keeps_the_aspect() -> None:
    frame = av.VideoFrame(width=641, height=481, format="rgb24")
    plane = frame.planes[0]
    assert plane.line_size > 641 * 3, "libswscale pads the rows of this width"
    row = bytes((10, 200, 30)) * 641
    plane.update((row + bytes(plane.line_size - len(row))) * 481)
    image, size = to_rgb(frame.reformat(format="yuv420p"), 1280)
    assert size == (641, 481) and len(image) == 641 * 481 * 3
    assert all(near(tuple(image[i : i + 3]), (10, 200, 30), 12) for i in range(0, len(image), 3 * 997))
    assert scaled_size(1920, 1080, 1280) == (1280, 720)
    assert scaled_size(4000, 1, 1280) == (1280, 1)
    assert scaled_size(320, 240, 1280) == (320, 240)
