"""``rtvi run BOT_FILE [--host H] [--port P]`` with the benchmark's ``audio-echo`` processor.

The processor (``echo.py``) is loaded as an in-process plugin into the plugin manager
``rtvi run`` uses, so ``bench.toml`` can name it; everything else is the stock command:
the rtvi-webrtc plugin serves the bot, gathering ICE candidates on 127.0.0.1 only
because it listens there (``ice_host_addresses = "auto"``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import echo

from rtvi_core.cli.app import main
from rtvi_core.plugins import get_plugin_manager

if __name__ == "__main__":
    if not get_plugin_manager().load_plugin(echo, "bench-echo"):
        raise SystemExit(f"cannot load the audio-echo plugin: {get_plugin_manager().failures}")
    sys.exit(main(["run", *sys.argv[1:]]))
