"""Reading a Telegram update into the neutral `Inbound` (bot/channels/telegram.py):
commands addressed to a bot by name, and edits."""

from __future__ import annotations

from typing import Any

from bot.channels.telegram import inbound_from_update

BOT = "shop_support_bot"


def update(text: str, chat_type: str = "private", chat_id: int = 1001) -> dict[str, Any]:
    command = text.split()[0]
    return {
        "update_id": 7,
        "message": {
            "message_id": 3,
            "date": 0,
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": 1001, "is_bot": False, "first_name": "Alex"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


def test_a_command_naming_this_bot_is_read_in_a_group() -> None:
    inbound = inbound_from_update(update(f"/close@{BOT} now", "supergroup", -100), BOT)
    assert inbound is not None and (inbound.command, inbound.args) == ("close", "now")


def test_a_command_for_another_bot_in_a_group_is_not_ours_at_all() -> None:
    # Neither a command nor text: in a ticket's topic it would otherwise be relayed to
    # the buyer as staff's words.
    assert inbound_from_update(update("/close@OtherBot", "supergroup", -100), BOT) is None


def test_a_command_naming_another_bot_in_a_private_chat_is_still_ours() -> None:
    # Only this bot is in the chat: "/start@OtherBot" is a slip, read as /start (not
    # as an email address sent before an order number).
    inbound = inbound_from_update(update("/start@OtherBot"), BOT)
    assert inbound is not None and inbound.command == "start"


def test_a_plain_command_is_read_everywhere() -> None:
    for chat_type, chat_id in (("private", 1001), ("supergroup", -100)):
        inbound = inbound_from_update(update("/help", chat_type, chat_id), BOT)
        assert inbound is not None and inbound.command == "help"


def test_an_edited_message_is_an_edit_and_never_a_command() -> None:
    edit = update("/cancel")
    edit["edited_message"] = {**edit.pop("message"), "edit_date": 5}
    inbound = inbound_from_update(edit, BOT)
    assert inbound is not None and inbound.edited
    assert inbound.command is None and inbound.text == "/cancel"


def test_a_live_location_moving_is_no_edit_to_answer() -> None:
    edit = update("x")
    message = edit.pop("message")
    del message["text"], message["entities"]
    edit["edited_message"] = {**message, "location": {"latitude": 1.0, "longitude": 2.0}}
    assert inbound_from_update(edit, BOT) is None


def test_a_poll_or_a_dice_is_named() -> None:
    for kind, content in (("dice", {"emoji": "🎲", "value": 3}), ("poll", {"id": "1"})):
        sent = update("x")
        message = sent["message"]
        del message["text"], message["entities"]
        message[kind] = content
        inbound = inbound_from_update(sent, BOT)
        assert inbound is not None and inbound.other == kind and inbound.text is None


def test_a_forwarded_message_names_who_wrote_it() -> None:
    origins = (
        (
            {"type": "user", "sender_user": {"id": 5, "first_name": "Ann", "last_name": "Lee"}},
            "Ann Lee",
        ),
        ({"type": "hidden_user", "sender_user_name": "Bo"}, "Bo"),
        ({"type": "channel", "chat": {"id": -1, "title": "UPS Alerts"}}, "UPS Alerts"),
        ({"type": "chat"}, ""),
    )
    for origin, name in origins:
        sent = update("x")
        sent["message"]["forward_origin"] = {"date": 0, **origin}
        inbound = inbound_from_update(sent, BOT)
        assert inbound is not None and inbound.forwarded_from == name
    plain = inbound_from_update(update("x"), BOT)
    assert plain is not None and plain.forwarded_from is None
