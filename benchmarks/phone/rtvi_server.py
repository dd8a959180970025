"""``rtvi run BOT_FILE [--host H] [--port P]`` with the benchmark's ``heard`` processor.

The processor (``heard.py``, the stand-in STT both frameworks run) is loaded as an
in-process plugin into the plugin manager ``rtvi run`` uses, so ``phone.toml`` can name
it; everything else is the stock command, the twilio transport of rtvi-telephony
serving the bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import heard

from rtvi_core.cli.app import main
from rtvi_core.plugins import get_plugin_manager

if __name__ == "__main__":
    if not get_plugin_manager().load_plugin(heard, "bench-heard"):
        raise SystemExit(f"cannot load the heard plugin: {get_plugin_manager().failures}")
    sys.exit(main(["run", *sys.argv[1:]]))
