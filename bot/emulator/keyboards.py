"""Validation of reply_markup, in the Bot API server's words.

Keyboards are where bots most often send something Telegram refuses: a callback_data over
64 bytes (an order id plus a long action name), a button with no action, too many buttons.
The checks and messages follow telegram-bot-api's `get_reply_markup` and tdlib.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.errors import ApiError, bad_request

MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_REPLY_BUTTONS = 300

# Exactly one of these makes an inline button do something.
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_OBJECT_ACTIONS = frozenset(
    {"web_app", "login_url", "switch_inline_query_chosen_chat", "copy_text", "callback_game"}
)
_STRING_ACTIONS = frozenset(
    {"url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat"}
)
_URL_SCHEMES = ("http://", "https://", "tg://", "ton://")


def _button_error(detail: str, *, inline: bool) -> ApiError:
    what = "inline keyboard button" if inline else "keyboard button"
    return bad_request(f"can't parse {what}: {detail}")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object", inline=True)
    if "text" not in button:
        raise _button_error('Can\'t find field "text"', inline=True)
    if not isinstance(button["text"], str):
        raise _button_error('Field "text" must be of type String', inline=True)
    present = [name for name in _INLINE_ACTIONS if name in button]
    if not present:
        raise _button_error("Text buttons are unallowed in the inline keyboard", inline=True)
    for name in present:
        value = button[name]
        if name in _STRING_ACTIONS and not isinstance(value, str):
            raise _button_error(f'Field "{name}" must be of type String', inline=True)
        if name in _OBJECT_ACTIONS and not isinstance(value, dict):
            raise _button_error(f'Field "{name}" must be of type Object', inline=True)
        if name == "pay" and not isinstance(value, bool):
            raise _button_error('Field "pay" must be of type Boolean', inline=True)
    if "callback_data" in button:
        data = button["callback_data"]
        if not data or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"].strip()
        if not url.lower().startswith(_URL_SCHEMES) and "." not in url.split("/", 1)[0]:
            raise bad_request("BUTTON_URL_INVALID")
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")


def _check_reply_button(button: Any) -> None:
    if isinstance(button, str):
        text = button
    elif isinstance(button, dict):
        if "text" not in button:
            raise _button_error('Can\'t find field "text"', inline=False)
        text = button["text"]
        if not isinstance(text, str):
            raise _button_error('Field "text" must be of type String', inline=False)
        for flag in ("request_contact", "request_location"):
            if flag in button and not isinstance(button[flag], bool):
                raise _button_error(f'Field "{flag}" must be of type Boolean', inline=False)
    else:
        raise _button_error("KeyboardButton must be a String or an Object", inline=False)
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")


def _rows(markup: dict[str, Any], key: str, kind: str) -> list[list[Any]]:
    rows = markup[key]
    if not isinstance(rows, list):
        raise bad_request(f'Field "{key}" of the {kind} must be an Array')
    for row in rows:
        if not isinstance(row, list):
            raise bad_request(f'Field "{key}" of the {kind} must be an Array of Arrays')
    return rows


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The markup if Telegram accepts it, None if Telegram would ignore it; else ApiError.

    `inline_only` is for edit methods and copies to callers that only take inline keyboards.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = _rows(markup, "inline_keyboard", "InlineKeyboardMarkup")
        count = 0
        for row in rows:
            for button in row:
                _check_inline_button(button)
                count += 1
        if count > MAX_INLINE_BUTTONS:
            raise bad_request("REPLY_MARKUP_TOO_LONG")
        return {"inline_keyboard": [[dict(button) for button in row] for row in rows if row]}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = _rows(markup, "keyboard", "ReplyKeyboardMarkup")
        count = 0
        for row in rows:
            for button in row:
                _check_reply_button(button)
                count += 1
        if count > MAX_REPLY_BUTTONS:
            raise bad_request("REPLY_MARKUP_TOO_LONG")
        return dict(markup)
    if "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise bad_request('Field "remove_keyboard" of the ReplyKeyboardRemove must be True')
        return dict(markup)
    if "force_reply" in markup:
        if markup["force_reply"] is not True:
            raise bad_request('Field "force_reply" of the ForceReply must be True')
        return dict(markup)
    return None


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """All inline buttons of a markup, row by row (empty for other keyboards)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]
