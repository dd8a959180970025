"""``load_local_actions``: actions from a project module named by the bot file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rtvi_core.actions import ActionDispatcher, ActionLoadError, load_local_actions
from rtvi_core.testing import run_bot

MODULE = """
from pydantic import BaseModel
from rtvi_core.actions import action


class Name(BaseModel):
    name: str


@action("hello", args=Name)
async def hello(ctx, args):
    return f"hello {args.name}"


@action("bye")
async def bye(ctx, args):
    return "bye"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A bot directory with ``my_actions.py`` (two actions) beside where the bot file goes."""
    (tmp_path / "my_actions.py").write_text(MODULE)
    yield tmp_path
    for name in [n for n in sys.modules if n == "my_actions" or n.startswith("rtvi_local_actions.")]:
        del sys.modules[name]


def test_a_file_path_relative_to_the_bot_directory(project: Path) -> None:
    actions = load_local_actions("my_actions.py", base_dir=project)
    assert [a.name for a in actions] == ["hello", "bye"]
    assert [a.name for a in load_local_actions(str(project / "my_actions.py"))] == ["hello", "bye"]


def test_a_module_name_is_looked_up_in_the_bot_directory(project: Path) -> None:
    assert [a.name for a in load_local_actions("my_actions", base_dir=project)] == ["hello", "bye"]
    assert str(project) not in sys.path


def test_an_actions_list_selects_and_orders(project: Path) -> None:
    (project / "picked.py").write_text(MODULE + "\nACTIONS = [bye]\n")
    assert [a.name for a in load_local_actions("picked.py", base_dir=project)] == ["bye"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\n", "local actions module 'broken.py' defines no actions"),
        ("raise RuntimeError('bad config')\n", "cannot import local actions file '{path}': bad config"),
        ("ACTIONS = [1]\n", "local actions module 'broken.py': ACTIONS holds non-actions: 1"),
    ],
)
def test_bad_modules_raise_a_clear_error(project: Path, source: str, expected: str) -> None:
    (project / "broken.py").write_text(source)
    with pytest.raises(ActionLoadError) as info:
        load_local_actions("broken.py", base_dir=project)
    assert str(info.value) == expected.format(path=project / "broken.py")


def test_missing_modules_raise_a_clear_error(project: Path) -> None:
    with pytest.raises(ActionLoadError, match=r"local actions file '.*nowhere\.py' does not exist"):
        load_local_actions("nowhere.py", base_dir=project)
    with pytest.raises(
        ActionLoadError, match="cannot import local actions module 'nowhere': No module named 'nowhere'"
    ):
        load_local_actions("nowhere", base_dir=project)


@pytest.mark.anyio
async def test_local_actions_answer_client_messages(project: Path) -> None:
    actions = load_local_actions("my_actions.py", base_dir=project)
    async with run_bot(with_tts=False) as h:
        ActionDispatcher(actions).attach(h.task)
        msg_id = await h.request("client-message", {"t": "hello", "d": {"name": "Grace"}})
        assert (await h.reply_to(msg_id))["data"] == {"t": "hello", "d": "hello Grace"}
