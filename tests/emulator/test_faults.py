"""Injected faults: 429 with retry_after, 500, slow answers and dropped connections."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.emulator import TelegramEmulator
from tests.emulator.conftest import RawBot


@pytest.fixture
async def alice_chat(emulator: TelegramEmulator) -> int:
    await emulator.user(1001, first_name="Alice").send("hi")
    return 1001


async def test_429_then_success(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    fault = emulator.faults.add(method="sendMessage", kind="429", retry_after=3, times=1)
    status, body = await raw_bot.call("sendMessage", chat_id=alice_chat, text="x")
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    assert fault.fired == 1 and len(emulator.faults) == 0
    await raw_bot.ok("sendMessage", chat_id=alice_chat, text="x")
    assert emulator.rejections == []  # faults are not the bot's fault
    assert [c.fault for c in emulator.calls("sendMessage")] == ["429", None]
    assert len(emulator.user(alice_chat).messages) == 1


async def test_500_only_for_the_chosen_chat(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    await emulator.user(1002).send("hi")
    emulator.faults.add(kind="500", chat=alice_chat, times=None)
    status, body = await raw_bot.call("sendMessage", chat_id=alice_chat, text="x")
    assert status == 500 and body["description"] == "Internal Server Error"
    await raw_bot.ok("sendMessage", chat_id=1002, text="other chats are fine")
    status, _ = await raw_bot.call("sendChatAction", chat_id=alice_chat, action="typing")
    assert status == 500
    emulator.faults.clear()
    await raw_bot.ok("sendMessage", chat_id=alice_chat, text="recovered")


async def test_slow_answers_after_the_delay(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    emulator.faults.add(method="sendmessage", kind="slow", delay=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await raw_bot.ok("sendMessage", chat_id=alice_chat, text="late")
    assert loop.time() - started >= 0.3


async def test_network_fault_drops_the_connection_before_sending(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    emulator.faults.add(method="sendMessage", kind="network")
    with pytest.raises(aiohttp.ClientError):
        await raw_bot.call("sendMessage", chat_id=alice_chat, text="lost")
    assert emulator.user(alice_chat).messages == []


async def test_lost_response_after_sending_is_the_duplicate_trap(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    emulator.faults.add(method="sendMessage", kind="network", after=True)
    with pytest.raises(aiohttp.ClientError):
        await raw_bot.call("sendMessage", chat_id=alice_chat, text="delivered anyway")
    assert [m["text"] for m in emulator.user(alice_chat).messages] == ["delivered anyway"]


def test_fault_plan_validates_its_input(emulator: TelegramEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emulator.faults.add(kind="timeout")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="after=True"):
        emulator.faults.add(kind="429", after=True)


async def test_refusal_for_good_names_telegrams_reason(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    emulator.faults.add(method="sendMessage", kind="400")
    status, body = await raw_bot.call("sendMessage", chat_id=alice_chat, text="x")
    assert (status, body["description"]) == (400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    assert emulator.rejections == [] and emulator.user(alice_chat).messages == []


async def test_every_nth_call_fails(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    fault = emulator.faults.add(method="sendMessage", kind="429", every=3, times=None)
    statuses = [
        (await raw_bot.call("sendMessage", chat_id=alice_chat, text="x"))[0] for _ in range(7)
    ]
    assert statuses == [200, 200, 429, 200, 200, 429, 200] and fault.fired == 2
    assert len(emulator.user(alice_chat).messages) == 5
