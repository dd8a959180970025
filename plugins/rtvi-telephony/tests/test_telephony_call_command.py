"""``rtvi call NUMBER FILE``: an outbound call through each carrier's (fake) REST API, and its refusals."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from telephony_support import CARRIERS, CHEAP_BOT, fake_rest, transport_keys, wire_for

from rtvi_core.cli.app import main

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

PUBLIC = "https://bot.example.com"
FLOW = "http://my.exotel.com/exo-sid/exoml/start_voice/12345"


def write_bot(tmp_path: Path, carrier: str, **keys: object) -> str:
    path = tmp_path / f"{carrier}.toml"
    path.write_text(CHEAP_BOT.format(carrier=carrier, transport=transport_keys(carrier, **keys), speak_first="false"))
    return str(path)


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_rtvi_call_places_the_call_with_the_documented_request(carrier: str, tmp_path: Path, capsys) -> None:
    async with fake_rest(carrier, wire_for(carrier)).running() as rest:
        bot = write_bot(tmp_path, carrier, api_base_url=rest.base_url, public_url=PUBLIC, caller_id="+15550001111")
        fetched = FLOW if carrier == "exotel" else f"{PUBLIC}/"  # Exotel connects the call to a flow
        argv = ["call", "+15551234567", bot, *(["--url", FLOW] if carrier == "exotel" else [])]
        status = await anyio.to_thread.run_sync(main, argv)
    assert status == 0, capsys.readouterr().err
    [(call_id, placed)] = rest.placed.items()
    assert call_id in capsys.readouterr().out
    fields = {key.lower(): value for key, value in placed.items()}
    assert fields["to" if carrier != "exotel" else "from"] == "+15551234567"
    assert fetched in placed.values()


def test_rtvi_call_refusals_say_what_to_set(tmp_path: Path, capsys) -> None:
    cases = [
        (["call", "5551234", write_bot(tmp_path, "twilio", public_url=PUBLIC, caller_id="+15550001111")], "E.164"),
        (["call", "+15551234567", write_bot(tmp_path, "telnyx", public_url=PUBLIC)], "caller_id"),
        (["call", "+15551234567", write_bot(tmp_path, "plivo", caller_id="+15550001111")], "public_url"),
    ]
    for argv, says in cases:
        assert main(argv) == 1
        assert says in capsys.readouterr().err
    memory = tmp_path / "memory.toml"
    memory.write_text('[llm]\nuse = "echo"\n')
    assert main(["call", "+15551234567", str(memory)]) == 1
    assert "does not place phone calls" in capsys.readouterr().err
    no_keys = tmp_path / "nokeys.toml"
    no_keys.write_text(
        f'[transport]\nuse = "twilio"\npublic_url = "{PUBLIC}"\ncaller_id = "+15550001111"\n[llm]\nuse = "echo"\n'
    )
    assert main(["call", "+15551234567", str(no_keys)]) == 1
    assert "credentials" in capsys.readouterr().err


async def test_a_refused_call_is_a_clear_error(tmp_path: Path, capsys) -> None:
    async with fake_rest("twilio", wire_for("twilio")).running() as rest:
        rest.fail_next(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
        bot = write_bot(tmp_path, "twilio", api_base_url=rest.base_url, public_url=PUBLIC, caller_id="+15550001111")
        assert await anyio.to_thread.run_sync(main, ["call", "+15551234567", bot]) == 1
    assert "twilio refused the call" in capsys.readouterr().err
