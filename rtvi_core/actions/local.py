"""``load_local_actions``: actions from a project's own module, named by the bot file."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .action import Action


class ActionLoadError(Exception):
    """A local actions module could not be imported or defines no actions."""


def load_local_actions(module: str, *, base_dir: str | Path | None = None) -> list[Action]:
    """The actions defined in ``module``: a dotted module name or a ``.py`` file path.

    This imports and runs the module: it is trusted code, like the bot file itself.
    A relative file path is relative to ``base_dir`` (the bot file's directory; default
    the working directory), and a module name is looked up in ``base_dir`` first. The module's ``ACTIONS``
    list is used if it has one, else every :class:`Action` at its top level, in
    definition order. Raises :class:`ActionLoadError` if the import fails or the
    module defines no actions.
    """
    if module.endswith(".py") or "/" in module or "\\" in module:
        loaded = _import_file(Path(base_dir or ".") / module)
    else:
        loaded = _import_name(module, base_dir)
    found = getattr(loaded, "ACTIONS", None)
    if found is None:
        found = [value for value in vars(loaded).values() if isinstance(value, Action)]
    actions = list(found)
    if not actions:
        raise ActionLoadError(f"local actions module {module!r} defines no actions")
    bad = [repr(value) for value in actions if not isinstance(value, Action)]
    if bad:
        raise ActionLoadError(f"local actions module {module!r}: ACTIONS holds non-actions: {', '.join(bad)}")
    return actions


def _import_file(path: Path) -> ModuleType:
    path = path.resolve()
    if not path.is_file():
        raise ActionLoadError(f"local actions file {str(path)!r} does not exist")
    name = f"rtvi_local_actions.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ActionLoadError(f"cannot load local actions from {str(path)!r}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except Exception as exc:
        del sys.modules[name]
        raise ActionLoadError(f"cannot import local actions file {str(path)!r}: {exc}") from exc
    return loaded


def _import_name(name: str, base_dir: str | Path | None) -> ModuleType:
    added = str(Path(base_dir).resolve()) if base_dir is not None else None
    if added is not None:
        sys.path.insert(0, added)
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise ActionLoadError(f"cannot import local actions module {name!r}: {exc}") from exc
    finally:
        if added is not None:
            sys.path.remove(added)
