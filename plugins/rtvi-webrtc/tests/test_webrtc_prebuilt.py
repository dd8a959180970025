"""Pipecat's prebuilt UI at /client/ (installed --no-deps from requirements/models.txt)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from rtvi_webrtc import prebuilt
from webrtc_support import http, serving

from rtvi_core.testing.served import served_bot

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]


async def test_the_prebuilt_ui_and_its_assets_are_served() -> None:
    if prebuilt.find() is None:
        pytest.fail(f"the prebuilt UI is not installed ({prebuilt.INSTALL}): requirements/models.txt installs it")
    async with serving() as server:
        for path in ("/", "/client"):
            status, headers, _ = await http(server, "GET", path)
            assert (status, headers["location"]) == (307, "/client/")
        status, headers, page = await http(server, "GET", "/client/")
        assert status == 200 and headers["content-type"].startswith("text/html")
        assets = re.findall(rb'(?:src|href)="\./(assets/[^"]+)"', page)
        assert assets, page[:300]
        for asset in assets:
            status, headers, body = await http(server, "GET", f"/client/{asset.decode()}")
            assert status == 200 and body, asset
        assert (await http(server, "GET", "/client/assets/../../secret"))[0] == 404
        assert (await http(server, "GET", "/client/.hidden"))[0] == 404
        status, _, started = await http(
            server, "POST", "/start", {"transport": "webrtc", "enableDefaultIceServers": True}
        )
        assert status == 200 and set(started) == {"sessionId"}  # what the UI asks; no ICE servers offline


async def test_without_the_package_client_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prebuilt, "find", lambda: None)
    async with serving() as server:
        status, _, body = await http(server, "GET", "/client/")
        assert status == 404 and "pip install --no-deps pipecat-ai-prebuilt==1.3.0" in body["info"]


def test_rtvi_run_serves_a_webrtc_bot_file_and_names_the_page(tmp_path: Path) -> None:
    bot = tmp_path / "bot.toml"
    bot.write_text('[bot]\nname = "webrtc-run"\n\n[transport]\nuse = "webrtc"\n\n[llm]\nuse = "echo"\n')
    with served_bot(str(bot)) as server:
        assert "(Pipecat prebuilt UI: http://127.0.0.1:" in "".join(server.log)
        with urllib.request.urlopen(f"{server.url}health") as reply:
            assert json.load(reply)["peer_connections"] == 0
        start = urllib.request.Request(f"{server.url}start", data=b"{}", method="POST")
        with urllib.request.urlopen(start) as reply:
            assert len(json.load(reply)["sessionId"]) == 32
