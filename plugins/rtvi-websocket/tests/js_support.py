"""The stock JS client packages (``js/node_modules``), installed once from the pinned lock file."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"
STOCK_PACKAGE = JS / "node_modules" / "@pipecat-ai" / "websocket-transport" / "package.json"


def _installed() -> bool:
    return STOCK_PACKAGE.exists() and json.loads(STOCK_PACKAGE.read_text())["version"] == "1.7.1"


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
