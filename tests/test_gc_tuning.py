"""``rtvi run`` sets the garbage collector for serving before it listens."""

from __future__ import annotations

import gc

from rtvi_core.server.gc_tuning import SERVING_THRESHOLDS, tune_gc_for_serving


def test_thresholds_raised_and_what_is_loaded_frozen():
    thresholds = gc.get_threshold()
    try:
        tune_gc_for_serving()
        assert gc.get_threshold() == SERVING_THRESHOLDS
        assert gc.get_freeze_count() > 1000  # the modules and objects loaded so far
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
