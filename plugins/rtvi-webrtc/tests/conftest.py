"""The shared browser harness (``tests/browser/`` at the repo root) is importable as ``browser_support``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "browser"))
