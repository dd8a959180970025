"""The stock JS client packages (``js/node_modules``), installed once from the pinned lock file."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"
#: The stock packages and the versions ``js/package.json`` pins.
STOCK_VERSIONS = {"client-js": "1.13.1", "websocket-transport": "1.7.1"}


def _installed() -> bool:
    for name, version in STOCK_VERSIONS.items():
        package = JS / "node_modules" / "@pipecat-ai" / name / "package.json"
        if not package.exists() or json.loads(package.read_text())["version"] != version:
            return False
    return True


def stock_client_node() -> str:
    """The ``node`` executable, with the stock client installed in ``js/`` (``npm ci`` once)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node/npm not found: cannot run the stock client")
    with open(JS / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time (parallel test runs)
        if not _installed():
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                cwd=JS, capture_output=True, text=True, timeout=600,
            )
            assert done.returncode == 0 and _installed(), f"npm ci failed in {JS}:\n{done.stdout}\n{done.stderr}"
    return node
