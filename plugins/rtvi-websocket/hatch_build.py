"""Hatch build hook: builds the playground page when it is missing or stale.

The page the server serves at ``GET /`` (``src/rtvi_websocket/playground/``) is a
build output, not kept in git: ``npm ci && npm run build`` in ``playground/``
bundles the page with the stock Pipecat client libraries (esbuild). This hook
runs that for every wheel/sdist build, including ``pip install -e``, unless the
output's stamp matches a hash of the page's sources. ``build_playground`` is
also what the playground test calls, so a test run never serves a stale page.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = Path("playground")
OUTPUT = Path("src/rtvi_websocket/playground")
STAMP = ".build-hash"
INPUTS = ("package.json", "package-lock.json", "build.mjs", "src")
BUILT = ("index.html", "playground.js", "playground.css")
NPM_TIMEOUT_SECS = 600


class PlaygroundBuildError(RuntimeError):
    """The page could not be built (no npm, npm failed, no sources)."""


def source_hash(root: Path) -> str:
    """SHA-256 over the page's sources (names and contents)."""
    sources = root / SOURCES
    digest = hashlib.sha256()
    for name in INPUTS:
        top = sources / name
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_file():
                digest.update(path.relative_to(sources).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_fresh(root: Path) -> bool:
    """Whether every built file exists and was built from the current sources."""
    out = root / OUTPUT
    if not all((out / name).is_file() for name in BUILT):
        return False
    if not (root / SOURCES).is_dir():  # an sdist that shipped the built page only
        return True
    stamp = out / STAMP
    return stamp.is_file() and stamp.read_text().strip() == source_hash(root)


def build_playground(root: Path, log: Callable[[str], None] = print) -> bool:
    """Builds the page under ``root`` (the plugin directory) unless fresh; True if it built."""
    sources = root / SOURCES
    if not sources.is_dir():
        if is_fresh(root):
            return False
        raise PlaygroundBuildError(f"the playground page is not built and its sources ({sources}) are missing")
    with open(sources / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time (parallel installs and tests)
        if is_fresh(root):
            return False
        npm = shutil.which("npm")
        if npm is None:
            raise PlaygroundBuildError(
                "building the rtvi-websocket playground page needs npm (Node.js >= 20) on PATH and the npm "
                "registry: install Node.js and npm (e.g. `apt-get install -y nodejs npm`), then reinstall"
            )
        started = time.perf_counter()
        installed = sources / "node_modules" / ".package-lock.json"
        if not installed.is_file() or installed.stat().st_mtime < (sources / "package-lock.json").stat().st_mtime:
            log("rtvi-websocket: installing the playground's npm packages (npm ci)")
            _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], sources)
        log("rtvi-websocket: bundling the playground page (npm run build)")
        _run([npm, "run", "--silent", "build"], sources)
        missing = [name for name in BUILT if not (root / OUTPUT / name).is_file()]
        if missing:
            raise PlaygroundBuildError(f"npm run build did not produce {', '.join(missing)} in {root / OUTPUT}")
        (root / OUTPUT / STAMP).write_text(source_hash(root) + "\n")
        log(f"rtvi-websocket: playground page built in {time.perf_counter() - started:.1f} s")
        return True


def _run(command: list[str], cwd: Path) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=NPM_TIMEOUT_SECS)
    except subprocess.TimeoutExpired as exc:
        raise PlaygroundBuildError(f"`npm {' '.join(command[1:])}` in {cwd} took over {NPM_TIMEOUT_SECS} s") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-4000:]
        raise PlaygroundBuildError(f"`npm {' '.join(command[1:])}` in {cwd} failed ({done.returncode}):\n{output}")


class PlaygroundBuildHook(BuildHookInterface):
    """Runs ``build_playground`` before every build of the distribution."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        build_playground(Path(self.root), log=self.app.display_info)
