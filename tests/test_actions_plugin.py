"""The example action plugin, really installed in a temporary virtual environment.

The distribution ``examples/action-plugin`` is pip-installed into this module's own
venv (:func:`support_venv.venv_with`); a script run there finds its actions through the
``rtvi`` entry point and the plugin manager, and drives a real bot. A second,
purpose-built distribution adds an action that raises and one that times out.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support_venv import REPO, run, venv_with

EXAMPLE = REPO / "examples" / "action-plugin"

#: A second distribution, written by the fixture: actions that fail and that stall.
FAULTY_PYPROJECT = """
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "rtvi-test-faulty-actions"
version = "1.0.0"

[project.entry-points.rtvi]
faulty-actions = "rtvi_test_faulty_actions"
"""
FAULTY_MODULE = """
import anyio
from rtvi_core.actions import action
from rtvi_core.hookspecs import hookimpl


@action("explode")
async def explode(ctx, args):
    raise ValueError("the fuse was lit")


@action("stall", timeout_secs=0.05)
async def stall(ctx, args):
    await anyio.sleep_forever()


@hookimpl
def rtvi_register_actions(register):
    register(explode)
    register(stall)
"""

SCRIPT = r"""
import json
import anyio
from rtvi_core.actions import ActionDispatcher
from rtvi_core.plugins import get_plugin_manager
from rtvi_core.testing import run_bot


async def main() -> None:
    registry = get_plugin_manager(autoload=True).registry
    found = {name: registry.get("actions", name) for name in registry.names("actions")}
    # What a bot file's [[actions]] tables do: validate the parameters, bind the config.
    actions = [found[name].create({}) for name in ("dice", "get-time", "explode", "stall")]
    actions.append(found["echo"].create({"prefix": "> "}))
    replies = {}
    async with run_bot(with_tts=False) as h:
        ActionDispatcher(actions).attach(h.task)
        await h.ready()
        requests = {
            "ok": {"t": "dice", "d": {"sides": 4, "count": 3}},
            "bad": {"t": "dice", "d": {"sides": 1}},
            "time": {"t": "get-time", "d": {"timezone": "-03:00"}},
            "echo": {"t": "echo", "d": {"text": "hi"}},
            "explode": {"t": "explode"},
            "stall": {"t": "stall"},
            "unknown": {"t": "no-such-action"},
        }
        for msg_id, data in requests.items():
            await h.request("client-message", data, msg_id=msg_id)
            replies[msg_id] = await h.reply_to(msg_id)
    origins = {name: [r.plugin_name, r.distribution, r.version] for name, r in found.items()}
    print(json.dumps({"origins": origins, "replies": replies}))


anyio.run(main)
"""


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(python of a venv with rtvi-example-actions installed, the installed source copy)."""
    root = tmp_path_factory.mktemp("action-plugin")
    # a copy: the example's own tests run in it
    source = shutil.copytree(
        EXAMPLE, root / "action-plugin", ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache")
    )
    faulty = root / "faulty-actions"
    (faulty / "rtvi_test_faulty_actions").mkdir(parents=True)
    (faulty / "pyproject.toml").write_text(FAULTY_PYPROJECT)
    (faulty / "rtvi_test_faulty_actions" / "__init__.py").write_text(FAULTY_MODULE)
    return venv_with(root, source, faulty), source


def test_installed_plugin_actions_answer_client_messages(plugin_venv: tuple[Path, Path]) -> None:
    python, _ = plugin_venv
    done = run(python, "-c", SCRIPT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    example = ["example-actions", "rtvi-example-actions", "0.1.0"]
    assert {name: result["origins"][name] for name in ("dice", "echo", "get-time")} == {
        "dice": example,
        "echo": example,
        "get-time": example,
    }
    replies = result["replies"]
    ok = replies["ok"]
    assert (ok["type"], ok["id"], ok["data"]["t"]) == ("server-response", "ok", "dice")
    assert len(ok["data"]["d"]["rolls"]) == 3 and all(1 <= r <= 4 for r in ok["data"]["d"]["rolls"])
    assert replies["bad"] == {
        "label": "rtvi-ai",
        "type": "error-response",
        "id": "bad",
        "data": {"error": "Invalid arguments for 'dice': sides: Input should be greater than or equal to 2"},
    }
    assert replies["time"]["data"]["d"]["iso"].endswith("-03:00")
    assert replies["echo"]["data"] == {"t": "echo", "d": {"text": "> hi"}}
    assert result["origins"]["explode"] == ["faulty-actions", "rtvi-test-faulty-actions", "1.0.0"]
    assert replies["explode"]["type"] == "error-response"
    assert replies["explode"]["data"] == {"error": "Action 'explode' failed: the fuse was lit"}
    assert replies["stall"]["data"] == {"error": "Action 'stall' timed out after 0.05 s"}
    assert replies["unknown"]["data"] == {"error": "Unknown client message type 'no-such-action'"}


def test_the_example_distribution_own_tests_pass_once_installed(plugin_venv: tuple[Path, Path]) -> None:
    python, source = plugin_venv
    done = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=source, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout
