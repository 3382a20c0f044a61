"""The HTTP protocol: bodies, routing, errors and getUpdates semantics, over raw HTTP."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.emulator import TelegramEmulator
from tests.emulator.conftest import TOKEN, RawBot


async def test_get_me_over_get_and_post_with_case_insensitive_method(raw_bot: RawBot) -> None:
    async with raw_bot.session.get(raw_bot.url("getMe")) as response:
        body = await response.json()
    assert body["ok"] is True
    assert body["result"]["id"] == 123
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "shop_support_bot"
    assert await raw_bot.ok("GETME") == body["result"]


async def test_json_form_and_multipart_bodies_give_the_same_message(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    await alice.send("hi")
    keyboard = {"inline_keyboard": [[{"text": "Refresh", "callback_data": "refresh"}]]}

    by_json = await raw_bot.ok(
        "sendMessage", chat_id=1001, text="<b>x</b>", parse_mode="HTML", reply_markup=keyboard
    )
    form = {
        "chat_id": "1001",
        "text": "<b>x</b>",
        "parse_mode": "HTML",
        "reply_markup": json.dumps(keyboard),
    }
    async with raw_bot.session.post(raw_bot.url("sendMessage"), data=form) as response:
        by_form = (await response.json())["result"]
    multipart = aiohttp.FormData()
    for key, value in form.items():
        multipart.add_field(key, value)
    multipart.add_field("photo_unused", b"\x00", filename="unused.bin")  # forces multipart
    async with raw_bot.session.post(raw_bot.url("sendMessage"), data=multipart) as response:
        by_multipart = (await response.json())["result"]

    for message in (by_json, by_form, by_multipart):
        assert message["text"] == "x"
        assert message["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
        assert message["reply_markup"] == keyboard
        assert message["chat"]["id"] == 1001
    assert [m["message_id"] for m in (by_json, by_form, by_multipart)] == [2, 3, 4]
    emulator.assert_no_rejections()


async def test_query_string_parameters_are_read(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    await emulator.user(1001).send("hi")
    url = raw_bot.url("sendMessage") + "?chat_id=1001&text=from%20query"
    async with raw_bot.session.get(url) as response:
        body = await response.json()
    assert body["result"]["text"] == "from query"


async def test_unknown_method_wrong_token_and_unknown_path(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    status, body = await raw_bot.call("sendTelepathy", chat_id=1)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await raw_bot.call("logOut")
    assert status == 404
    assert emulator.rejections[-1].note == "a real Bot API method the emulator does not implement"

    async with raw_bot.session.post(f"{emulator.base_url}/bot999:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    async with raw_bot.session.get(f"{emulator.base_url}/nothing/here") as response:
        assert response.status == 404
    assert [r.error_code for r in emulator.rejections] == [404, 404, 401]


async def test_long_poll_wakes_on_a_new_update(raw_bot: RawBot, emulator: TelegramEmulator) -> None:
    alice = emulator.user(1001, first_name="Alice")
    poll = asyncio.create_task(raw_bot.ok("getUpdates", timeout=10))
    await emulator.wait_until(lambda: emulator.calls("getUpdates"), timeout=2)
    assert not poll.done()
    started = asyncio.get_running_loop().time()
    await alice.send("wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert asyncio.get_running_loop().time() - started < 1
    assert [u["message"]["text"] for u in updates] == ["wake up"]


async def test_long_poll_times_out_empty_and_short_poll_returns_at_once(raw_bot: RawBot) -> None:
    assert await raw_bot.ok("getUpdates", timeout=0) == []
    started = asyncio.get_running_loop().time()
    assert await raw_bot.ok("getUpdates", timeout=1) == []
    assert 0.9 <= asyncio.get_running_loop().time() - started < 3


async def test_offset_confirms_earlier_updates_and_limit_caps_the_batch(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    first = await raw_bot.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first] == ["one", "two"]
    again = await raw_bot.ok("getUpdates")
    assert [u["message"]["text"] for u in again] == ["one", "two", "three"]  # not confirmed yet
    rest = await raw_bot.ok("getUpdates", offset=first[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["three"]
    assert await raw_bot.ok("getUpdates", offset=rest[-1]["update_id"] + 1) == []
    assert emulator.pending_updates == []


async def test_allowed_updates_filters_new_updates(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    await raw_bot.ok("getUpdates", allowed_updates=["callback_query"])
    await alice.send("ignored")
    assert await raw_bot.ok("getUpdates") == []
    await raw_bot.ok("getUpdates", allowed_updates=[])  # back to the default set
    await alice.send("seen")
    assert [u["message"]["text"] for u in await raw_bot.ok("getUpdates")] == ["seen"]


async def test_webhook_blocks_get_updates_until_deleted(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    assert await raw_bot.ok("setWebhook", url="https://shop.example/hook") is True
    assert emulator.webhook is not None and emulator.webhook["url"] == "https://shop.example/hook"
    status, body = await raw_bot.call("getUpdates")
    assert status == 409
    assert body["description"].startswith("Conflict: can't use getUpdates method while webhook")
    assert await raw_bot.ok("deleteWebhook", drop_pending_updates=True) is True
    assert await raw_bot.ok("getUpdates") == []


async def test_a_second_poller_terminates_the_first(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    first = asyncio.create_task(raw_bot.call("getUpdates", timeout=5))
    await emulator.wait_until(lambda: emulator.calls("getUpdates"), timeout=2)
    assert await raw_bot.ok("getUpdates", timeout=0) == []
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409
    assert "terminated by other getUpdates request" in body["description"]
    assert emulator.rejections[-1].error_code == 409


async def test_required_fields_and_types_are_checked(raw_bot: RawBot) -> None:
    assert await raw_bot.refused("sendMessage", text="x") == "Bad Request: chat_id is empty"
    assert await raw_bot.refused("sendMessage", chat_id=1) == "Bad Request: message text is empty"
    assert await raw_bot.refused("deleteMessage", chat_id=1) == (
        "Bad Request: message identifier is not specified"
    )
    assert await raw_bot.refused("getUpdates", limit="many") == (
        'Bad Request: field "limit" must be of type Integer'
    )
    assert await raw_bot.refused("sendMessage", chat_id=1, text="x", reply_markup="{not json") == (
        "Bad Request: can't parse reply keyboard markup JSON object"
    )


async def test_stop_answers_a_pending_long_poll(http: aiohttp.ClientSession) -> None:
    emulator = TelegramEmulator(token=TOKEN)
    await emulator.start()
    url = f"{emulator.base_url}/bot{TOKEN}/getUpdates"
    poll = asyncio.create_task(http.post(url, json={"timeout": 30}))
    await emulator.wait_until(lambda: emulator.calls("getUpdates"), timeout=2)
    await asyncio.wait_for(emulator.stop(), 2)
    response = await asyncio.wait_for(poll, 2)
    assert (await response.json())["result"] == []
