"""The npm packages of the JS tests, installed once from their pinned lock files.

``js/``: the stock client (``@pipecat-ai/client-js`` + ``@pipecat-ai/websocket-transport``)
for Node and for the stock page. The browser harness (playwright-core driving Debian's
Chromium, never a browser download; esbuild bundling the stock page) is shared with the
other transports' page tests: ``tests/browser/`` at the repo root (``browser_support``,
importable through this folder's conftest). ``browser/``: this plugin's own driver of the playground page.
"""

from __future__ import annotations

from pathlib import Path

import browser_support as browser

JS = Path(__file__).parent / "js"
#: This plugin's playground driver (``drive.mjs``).
PLAYGROUND_DRIVER = Path(__file__).parent / "browser" / "drive.mjs"
#: The packages ``js/package.json`` pins.
STOCK_VERSIONS = {"@pipecat-ai/client-js": "1.13.1", "@pipecat-ai/websocket-transport": "1.7.1"}


browser_node = browser.browser_node


def stock_client_node() -> str:
    """The ``node`` executable, with the stock client installed in ``js/``."""
    return str(browser.node_with(JS, STOCK_VERSIONS, ignore_scripts=True))
