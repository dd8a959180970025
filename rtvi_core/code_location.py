"""Where code is: ``file:line function`` for stack frames and tasks, for logs about code
that is stuck (a task that did not stop) or slow (a callback that blocked the event loop).

"Project" frames are those outside the standard library and installed packages: the
bot's own code and editable installs. They say best *whose* code it is; when a stack has
none (everything installed), the innermost frames outside the standard library are used.
"""

from __future__ import annotations

import os
from types import FrameType
from typing import Any

_library_dirs: tuple[tuple[str, ...], ...] = ()  # (stdlib and packages, stdlib), made on first use
_real_paths: dict[str, str] = {}


def _dirs() -> tuple[tuple[str, ...], ...]:
    global _library_dirs
    if not _library_dirs:
        import sysconfig

        paths = sysconfig.get_paths()

        def under(*keys: str) -> tuple[str, ...]:
            return tuple({os.path.join(os.path.realpath(paths[key]), "") for key in keys})

        stdlib = under("stdlib", "platstdlib")
        _library_dirs = (stdlib + under("purelib", "platlib"), stdlib)
    return _library_dirs


def _real(filename: str) -> str:
    path = _real_paths.get(filename)
    if path is None:
        path = _real_paths[filename] = os.path.realpath(filename)
    return path


def _is_library(filename: str, dirs: tuple[str, ...]) -> bool:
    return filename.startswith("<") or _real(filename).startswith(dirs)


def describe_frame(frame: FrameType) -> str:
    """``path:line function`` (the path relative to the working directory when inside it)."""
    filename = frame.f_code.co_filename
    if not filename.startswith("<"):
        path = _real(filename)
        cwd = os.path.join(os.getcwd(), "")
        filename = path[len(cwd) :] if path.startswith(cwd) else path
    return f"{filename}:{frame.f_lineno} {frame.f_code.co_name}"


def innermost_frames(frame: FrameType | None, limit: int = 3) -> list[str]:
    """The innermost ``limit`` project frames of the stack ending at ``frame``, innermost first.

    Falls back to frames outside the standard library, then to any frames.
    """
    stack: list[FrameType] = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    return _choose(stack, limit)


def describe_task(task: Any) -> str:
    """An asyncio task as ``'name' at path:line function`` (where it is suspended)."""
    stack: list[FrameType] = []
    awaiting = task.get_coro()
    while awaiting is not None:  # down the chain of awaits: outermost first
        frame = getattr(awaiting, "cr_frame", None) or getattr(awaiting, "gi_frame", None)
        if frame is None:
            break
        stack.append(frame)
        awaiting = getattr(awaiting, "cr_await", None) or getattr(awaiting, "gi_yieldfrom", None)
    where = _choose(stack[::-1], 1)
    return f"{task.get_name()!r} at {where[0]}" if where else repr(task.get_name())


def _choose(stack: list[FrameType], limit: int) -> list[str]:
    for dirs in (*_dirs(), ()):
        chosen = [f for f in stack if not dirs or not _is_library(f.f_code.co_filename, dirs)]
        if chosen:
            return [describe_frame(f) for f in chosen[:limit]]
    return []
