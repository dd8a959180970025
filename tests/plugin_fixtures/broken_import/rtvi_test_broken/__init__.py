"""A test plugin whose module cannot be imported (a dependency is missing)."""

import rtvi_test_missing_dependency

from rtvi_core.plugins import hookimpl


@hookimpl
def rtvi_register_llm(register):
    raise AssertionError("never reached: the import above fails")
