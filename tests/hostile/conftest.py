"""The hostile-input suite: property-based tests over every decoder, and attacks end to end.

Each end-to-end attack runs against a served bot with a second, well-behaved session
beside it that must keep getting correct answers.

Hypothesis profiles (``HYPOTHESIS_PROFILE=<name>``):

* ``ci`` (the default): a bounded number of examples per test, what ``.ci/run`` runs;
* ``mid``: 5,000 examples per test, a quick deeper look while changing a decoder;
* ``long``: 100,000 examples per decoder, the documented longer run::

      HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/hostile -k property -p no:cacheprovider
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# The end-to-end attacks reuse the websocket plugin's test client and served test bot
# (``server_support``: ``serving()``, ``client()``, ``healthy_session()``).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "rtvi-websocket" / "tests"))

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "long", max_examples=100_000, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True
)
settings.register_profile("mid", max_examples=5_000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
