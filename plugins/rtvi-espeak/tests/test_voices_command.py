"""Tests for ``python -m rtvi_espeak voices``."""

from __future__ import annotations

from rtvi_espeak.__main__ import main


def test_lists_voices_and_variants(capsys):
    assert main(["voices"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("espeak-ng 1.")
    assert any(line.split()[:3] == ["en-us,", "en", "gmw/en-US"] for line in out.splitlines())
    assert "variants (append to a voice as '+name'" in out and " f3 " in out


def test_a_missing_library_is_a_clear_error(capsys):
    assert main(["voices", "--library", "/nowhere/libespeak-ng.so.1"]) == 1
    err = capsys.readouterr().err
    assert "error: no espeak-ng library at '/nowhere/libespeak-ng.so.1'" in err
    assert "pip install espeakng-loader" in err
