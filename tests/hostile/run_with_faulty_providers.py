"""``rtvi`` with the misbehaving test providers loaded: ``python run_with_faulty_providers.py run BOT``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import faulty_providers

from rtvi_core.cli import main
from rtvi_core.plugins import get_plugin_manager

if __name__ == "__main__":
    if not get_plugin_manager().load_plugin(faulty_providers, "faulty_providers"):
        sys.exit(f"could not load the test providers: {get_plugin_manager().failures}")
    sys.exit(main(sys.argv[1:]))
