"""The browser harness the transports' page tests share, from Python.

This folder (``tests/browser/`` at the repo root) holds the Node side: ``chromium.mjs``
(Debian's headless Chromium through playwright-core, never a browser download, with the
fake microphone and the flags WebRTC over loopback needs), ``options.mjs``,
``scenario.mjs`` (JSON scenario steps against a stock ``PipecatClient``) and
``stock-page.mjs`` (bundles a page with esbuild and runs a scenario in it). Its
``package.json`` pins playwright-core and esbuild.

The plugins' tests load this module by path (:func:`load` in their own support module:
plugin test folders are not packages, and each has its own ``sys.path`` entry), so
``pytest plugins/X/tests`` works alone.
"""

from __future__ import annotations

import fcntl
import functools
import json
import shutil
import subprocess
import threading
import wave
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

#: This folder: the shared harness and its ``node_modules``.
BROWSER = Path(__file__).parent
STOCK_PAGE = BROWSER / "stock-page.mjs"
CHROMIUM = Path("/usr/bin/chromium")
#: The packages ``package.json`` pins.
BROWSER_VERSIONS = {"playwright-core": "1.65.1", "esbuild": "0.28.2"}


def _installed(folder: Path, versions: Mapping[str, str]) -> bool:
    for name, version in versions.items():
        package = folder / "node_modules" / name / "package.json"
        if not package.exists() or json.loads(package.read_text())["version"] != version:
            return False
    return True


def node_with(folder: Path, versions: Mapping[str, str], *, ignore_scripts: bool) -> str:
    """``node``, with ``folder``'s packages installed (``npm ci`` from its lock file when they are not).

    ``versions``: the packages (and versions) whose presence means the install is done.
    Skips when node or npm is missing.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node/npm not found: cannot run the JS tests")
    with open(folder / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time (parallel test runs)
        if not _installed(folder, versions):
            command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
            if ignore_scripts:
                command.append("--ignore-scripts")
            done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0 and _installed(folder, versions), (
                f"npm ci failed in {folder}:\n{done.stdout}\n{done.stderr}"
            )
    return node


def browser_node() -> str:
    """The ``node`` executable, with this folder's packages installed; skips without Chromium."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    return node_with(BROWSER, BROWSER_VERSIONS, ignore_scripts=False)  # esbuild checks its binary


def events_of(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The ``{event, data}`` lines a harness printed."""
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def write_wav(path: Path, pcm: bytes, sample_rate: int) -> Path:
    """16-bit mono ``pcm`` as a WAV file (for Chromium's fake microphone)."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def dev_server(folder: Path, host: str = "localhost") -> Iterator[str]:
    """``folder`` served on a free loopback port, as a client app's dev server; yields its origin
    (``http://HOST:PORT``, ``host`` naming the loopback address in it)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="dev-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def run_stock_page(
    node: str,
    *,
    page_source: Path,
    page_dir: Path,
    page_url: str,
    start_url: str,
    script: list[dict[str, Any]],
    step_timeout: float,
    run_timeout: float,
    mic_wav: Path | None = None,
    page_options: Mapping[str, Any] | None = None,
    alias: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``stock-page.mjs``: bundles ``page_source`` into ``page_dir`` (the caller serves it at
    ``page_url``), opens it in Chromium and runs ``script`` against ``start_url``."""
    command = [
        node,
        str(STOCK_PAGE),
        "--page-source",
        str(page_source),
        "--page-dir",
        str(page_dir),
        "--page-url",
        page_url,
        "--start-url",
        start_url,
        "--script",
        "-",
        "--timeout",
        str(step_timeout),
    ]
    if mic_wav is not None:
        command += ["--mic-wav", str(mic_wav)]
    if page_options:
        command += ["--page-options", json.dumps(page_options)]
    if alias is not None:
        command += ["--alias", alias]
    return subprocess.run(command, input=json.dumps(script), capture_output=True, text=True, timeout=run_timeout)
