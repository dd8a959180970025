"""The cloud plugins' fakes, served on loopback for ``rtvi run`` (a child process).

The fakes are the plugins' own (``plugins/rtvi-*/tests/*_fake.py``, loaded by path:
plugin test folders are not packages). They are asyncio servers, so they run on an
event loop of their own in a background thread, for as long as the test needs them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"

#: The plugins this folder's tests need: module → how to install it.
CLOUD_PLUGINS = {
    "rtvi_websocket": "pip install -e plugins/rtvi-websocket",
    "rtvi_silero": "pip install -e plugins/rtvi-silero && pip install --no-deps silero-vad",
    "rtvi_deepgram": "pip install -e 'plugins/rtvi-deepgram[test]'",
    "rtvi_anthropic": "pip install -e 'plugins/rtvi-anthropic[test]'",
    "rtvi_cartesia": "pip install -e 'plugins/rtvi-cartesia[test]'",
}
#: The keys the fakes expect (the bot file sends them).
DEEPGRAM_KEY = "dg-test-key"
ANTHROPIC_KEY = "sk-ant-test-key"
CARTESIA_KEY = "sk_car_test_key"
STARTUP_TIMEOUT_SECS = 30.0


def missing_plugin() -> str | None:
    """Why the cloud voice bot cannot run here, naming what to install; None when it can."""
    for module, command in CLOUD_PLUGINS.items():
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: {command}"
    return None


def load_fake(plugin: str, name: str) -> ModuleType:
    """``plugins/<plugin>/tests/<name>.py``, the plugin's own fake, imported by path.

    It is registered under its own name, so a run that also collected the plugin's
    tests (which import it by that name) shares one module.
    """
    path = PLUGINS / plugin / "tests" / f"{name}.py"
    loaded = sys.modules.get(name)
    if loaded is not None and Path(loaded.__file__ or "").resolve() == path:
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class CloudFakes:
    """The three fakes, serving on 127.0.0.1 from a background thread (see :func:`cloud_fakes`).

    Each is the plugin's fake object (``FakeDeepgram``, ``FakeAnthropic``,
    ``FakeCartesia``): ``url`` is its ``base_url``, and what it received can be read
    once the client is done.
    """

    deepgram: Any
    anthropic: Any
    cartesia: Any


@contextmanager
def cloud_fakes() -> Iterator[CloudFakes]:
    """The Deepgram, Anthropic and Cartesia fakes on free ports of 127.0.0.1, for the block.

    They run on an event loop of their own in a daemon thread: ``rtvi run`` is another
    process, and the test's thread only waits for it.
    """
    deepgram = load_fake("rtvi-deepgram", "deepgram_fake")
    anthropic = load_fake("rtvi-anthropic", "anthropic_fake")
    cartesia = load_fake("rtvi-cartesia", "cartesia_fake")
    started: Future[tuple[CloudFakes, asyncio.AbstractEventLoop, asyncio.Event]] = Future()

    async def serve() -> None:
        stop = asyncio.Event()
        async with AsyncExitStack() as stack:
            fakes = CloudFakes(
                deepgram=await stack.enter_async_context(deepgram.fake_deepgram(api_key=DEEPGRAM_KEY)),
                # paced as the real service: 50 tokens a second
                anthropic=await stack.enter_async_context(
                    anthropic.fake_anthropic(token_delay=0.02, api_key=ANTHROPIC_KEY)
                ),
                cartesia=await stack.enter_async_context(cartesia.fake_cartesia(api_key=CARTESIA_KEY)),
            )
            started.set_result((fakes, asyncio.get_running_loop(), stop))
            await stop.wait()

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    thread = threading.Thread(target=run, name="cloud-fakes", daemon=True)
    thread.start()
    fakes, loop, stop = started.result(timeout=STARTUP_TIMEOUT_SECS)
    try:
        yield fakes
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(STARTUP_TIMEOUT_SECS)
