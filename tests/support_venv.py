"""Temporary virtual environments with plugin distributions installed, for the tests that
find plugins through real ``rtvi`` entry points, each in a new Python process.

A venv sees this checkout and the packages of the interpreter running the tests through
a ``.pth`` file (``python -m venv --system-site-packages`` would not do, as that
interpreter is itself usually a venv). Distributions are installed offline: no package
index, no dependencies, no build isolation, so their build backend must be importable
here; the project's ``test`` extra provides it (hatchling).
"""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def clean_env(**variables: str) -> dict[str, str]:
    """This process's environment without ``RTVI_*`` settings or ``PYTHONPATH``, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTVI_") and k != "PYTHONPATH"}
    env.update(variables)
    return env


def run(
    python: Path,
    *args: str,
    stdin: str = "",
    cwd: Path | None = None,
    timeout: float = 60,
    **variables: str,
) -> subprocess.CompletedProcess[str]:
    """``python *args`` in :func:`clean_env` with ``variables``; output captured as text."""
    return subprocess.run(
        [str(python), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(**variables),
        cwd=cwd,
        timeout=timeout,
    )


def venv_with(root: Path, *sources: Path) -> Path:
    """The python of a new venv in ``root / "venv"`` with the distributions at ``sources``
    pip-installed (fails the test, naming the package, if a build backend is missing)."""
    _require_build_backends(sources)
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout
    outer = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])]
    Path(purelib.strip(), "_outer_environment.pth").write_text(
        f"{REPO}\n" + "".join(f"import site; site.addsitedir({path!r})\n" for path in outer)
    )
    installed = run(
        python,
        "-m",
        "pip",
        "install",
        "--no-input",
        "--disable-pip-version-check",
        "--no-index",
        "--no-deps",
        "--no-build-isolation",
        *map(str, sources),
        timeout=300,
    )
    assert installed.returncode == 0, (
        f"pip install {' '.join(map(str, sources))} failed:\n{installed.stdout}{installed.stderr}"
    )
    return python


def _require_build_backends(sources: tuple[Path, ...]) -> None:
    """Fail the test, naming the package, if a build backend of ``sources`` is missing."""
    packages = {
        tomllib.loads((source / "pyproject.toml").read_text())["build-system"]["build-backend"].partition(".")[0]
        for source in sources
    }
    missing = sorted(name for name in packages if importlib.util.find_spec(name) is None)
    if missing:
        pytest.fail(
            f"installing the test plugins needs {', '.join(missing)} in this environment: "
            "install the project's test extra (pip install -e '.[test]')",
            pytrace=False,
        )
