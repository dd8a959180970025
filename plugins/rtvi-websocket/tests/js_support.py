"""The npm packages of the JS tests, installed once from their pinned lock files.

``js/``: the stock client (``@pipecat-ai/client-js`` + ``@pipecat-ai/websocket-transport``)
for Node and for the stock page; ``browser/``: playwright-core (driving Debian's
Chromium, never a browser download) and esbuild (bundling the stock page).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"
BROWSER = Path(__file__).parent / "browser"
CHROMIUM = Path("/usr/bin/chromium")
#: The packages each folder's ``package.json`` pins.
STOCK_VERSIONS = {"@pipecat-ai/client-js": "1.13.1", "@pipecat-ai/websocket-transport": "1.7.1"}
BROWSER_VERSIONS = {"playwright-core": "1.65.1", "esbuild": "0.28.2"}


def _installed(folder: Path, versions: dict[str, str]) -> bool:
    for name, version in versions.items():
        package = folder / "node_modules" / name / "package.json"
        if not package.exists() or json.loads(package.read_text())["version"] != version:
            return False
    return True


def _node_with(folder: Path, versions: dict[str, str], *, ignore_scripts: bool) -> str:
    """``node``, with ``folder``'s packages installed (``npm ci`` when they are not)."""
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


def stock_client_node() -> str:
    """The ``node`` executable, with the stock client installed in ``js/``."""
    return _node_with(JS, STOCK_VERSIONS, ignore_scripts=True)


def browser_node() -> str:
    """The ``node`` executable, with ``browser/``'s packages installed; skips without Chromium."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    return _node_with(BROWSER, BROWSER_VERSIONS, ignore_scripts=False)  # esbuild checks its binary
