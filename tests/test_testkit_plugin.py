"""The test kit's pytest plugin: installed plugins are not loaded unless a test asks."""

import os

import pytest

from rtvi_core.plugins import get_plugin_manager


def test_autoload_is_off_in_tests():
    assert os.environ["RTVI_DISABLE_PLUGIN_AUTOLOAD"] == "1"
    manager = get_plugin_manager()
    assert manager.autoload is False
    assert "echo" in manager.registry.names("llm")  # built-ins are always there


@pytest.mark.rtvi_plugins
def test_the_marker_asks_for_installed_plugins():
    assert "RTVI_DISABLE_PLUGIN_AUTOLOAD" not in os.environ
    assert get_plugin_manager().autoload is True


@pytest.mark.anyio
async def test_async_tests_run_on_asyncio():
    import asyncio

    asyncio.get_running_loop()
