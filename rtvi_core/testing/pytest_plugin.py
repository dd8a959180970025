"""The test kit's pytest plugin (registered through the ``pytest11`` entry point).

* Installed rtvi plugins are **not** loaded in tests (``RTVI_DISABLE_PLUGIN_AUTOLOAD``
  is set for each test), so a test sees the built-ins only, whatever else happens to be
  installed. Mark a test ``@pytest.mark.rtvi_plugins`` to load installed plugins.
* Async tests run on asyncio through anyio: the ``anyio_backend`` fixture defaults to
  ``"asyncio"``; mark tests ``@pytest.mark.anyio``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

#: Same variable as ``rtvi_core.plugins.manager.ENV_DISABLE_AUTOLOAD`` (not imported here,
#: so loading this plugin costs nothing).
_DISABLE_AUTOLOAD = "RTVI_DISABLE_PLUGIN_AUTOLOAD"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rtvi_plugins: load installed rtvi plugins in this test (off by default)")


@pytest.fixture(autouse=True)
def _rtvi_plugin_autoload(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("rtvi_plugins") is None:
        monkeypatch.setenv(_DISABLE_AUTOLOAD, "1")
    else:
        monkeypatch.delenv(_DISABLE_AUTOLOAD, raising=False)
    yield


@pytest.fixture
def anyio_backend() -> str:
    """Run ``@pytest.mark.anyio`` tests on asyncio."""
    return "asyncio"
