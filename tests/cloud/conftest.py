"""The end-to-end tests of the cloud provider plugins: the playground driver
(``plugins/rtvi-websocket/tests/playground_support``) and the browser harness
(``tests/browser/browser_support``) are importable from here; the fakes are in ``cloud_support``."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "plugins" / "rtvi-websocket" / "tests"))
