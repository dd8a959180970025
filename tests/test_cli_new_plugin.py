"""``rtvi new-plugin``: every kind scaffolds a distribution whose own tests pass."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from rtvi_core.cli import main
from rtvi_core.cli.new_plugin_cmd import KINDS

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_scaffolds_a_plugin_whose_tests_pass(kind, tmp_path, capsys):
    name = f"my-{kind}"
    assert main(["new-plugin", name, "--kind", kind, "--dir", str(tmp_path)]) == 0
    root = tmp_path / f"rtvi-{name}"
    assert capsys.readouterr().out.startswith(f"created {root}\n")
    package = f"rtvi_my_{kind}"
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"rtvi-{name}"
    assert project["entry-points"]["rtvi"] == {name: f"{package}.plugin"}
    assert (root / "README.md").read_text().startswith(f"# rtvi-{name}\n")
    assert {p.name for p in (root / "src" / package).iterdir()} >= {
        "__init__.py",
        "log.py",
        "plugin.py",
        f"{KINDS[kind].module}.py",
    }
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(REPO)])}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("name", ["x", "elevenlabs-flash"])  # names up to ~20 characters: longer ones may wrap
def test_each_kind_scaffolds_code_that_ruff_passes(kind, name, tmp_path):
    assert main(["new-plugin", name, "--kind", kind, "--dir", str(tmp_path), "--description", "D" * 90]) == 0
    root = tmp_path / f"rtvi-{name}"
    ruff = [sys.executable, "-m", "ruff"]  # with the scaffold's own [tool.ruff]
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        result = subprocess.run([*ruff, *command], cwd=root, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    """One mypy cache for the scaffolds: rtvi_core's types are analysed once, not per kind."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_scaffolds_code_that_mypy_strict_passes(kind, tmp_path, mypy_cache):
    name = f"typed-{kind}"  # a package name per kind: the cache is shared
    assert main(["new-plugin", name, "--kind", kind, "--dir", str(tmp_path)]) == 0
    root = tmp_path / f"rtvi-{name}"
    assert tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mypy"]["strict"] is True
    # `mypy` with no arguments, as its README says: the scaffold's own [tool.mypy] (src and tests)
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(mypy_cache)]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"mypy:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found in 6 source files" in result.stdout


def test_refuses_an_existing_directory_and_a_bad_name(tmp_path, capsys):
    assert main(["new-plugin", "voice", "--kind", "tts", "--dir", str(tmp_path)]) == 0
    assert main(["new-plugin", "voice", "--kind", "tts", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"rtvi new-plugin: {tmp_path / 'rtvi-voice'} already exists\n"
    assert main(["new-plugin", "My Voice", "--kind", "tts", "--dir", str(tmp_path)]) == 2
    assert "invalid plugin name 'My Voice'" in capsys.readouterr().err
