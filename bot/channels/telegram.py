"""Telegram's wire format ↔ neutral chat types, shared by every Telegram channel.

Both aiogram and python-telegram-bot can give an update as a plain dict (the JSON
Telegram sent) and can call a Bot API method by name with plain parameters.  So the
translation lives here once; the two channels only move bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handlers.types import (
    AnswerButton,
    ChatAction,
    DocumentFile,
    EditKeyboard,
    EditText,
    Inbound,
    Keyboard,
    Outbound,
    PhotoFile,
    PhotoRef,
    RenameTopic,
    SendDocument,
    SendPhotos,
    SendText,
    SetCommands,
    SharedContact,
)

CHANNEL = "telegram"
# Kinds with no text the bot reads, named so that a step can say what it wants instead
# and a ticket can relay them (a poll or a dice unnamed was dropped without a word).
_RELAYED_KINDS = (
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "location",
    "poll",
    "dice",
)


def inbound_from_update(update: dict[str, Any], bot_username: str | None = None) -> Inbound | None:
    """Neutral view of an update, or None for kinds the bot does not act on."""
    update_id = int(update["update_id"])
    if "callback_query" in update:
        query = update["callback_query"]
        message = query.get("message") or {}
        chat = message.get("chat") or {"id": query["from"]["id"], "type": "private"}
        return Inbound(
            channel=CHANNEL,
            update_id=update_id,
            chat_id=int(chat["id"]),
            chat_kind=chat.get("type", "private"),
            user_id=int(query["from"]["id"]),
            user_name=query["from"].get("first_name", ""),
            username=query["from"].get("username"),
            locale=query["from"].get("language_code"),
            message_id=message.get("message_id"),
            thread_id=message.get("message_thread_id") if message.get("is_topic_message") else None,
            button=query.get("data") or "",
            callback_id=str(query["id"]),
        )
    message = update.get("message")
    edited = message is None and "edited_message" in update
    if edited:
        message = update["edited_message"]
        if message.get("text") is None and message.get("caption") is None:
            return None  # a live location moving, a photo swapped: nothing was said
    if message is None or "from" not in message:
        return None  # channel posts, service updates: nothing to answer
    sender = message["from"]
    if sender.get("is_bot"):
        return None
    text = message.get("text")
    # An edited command is no new command: the edit is answered as an edit.
    command, args, elsewhere = (None, "", False) if edited else _command(message, bot_username)
    if elsewhere and message["chat"].get("type", "private") != "private":
        # "/close@OtherBot" in the staff group is another bot's business: not a
        # command of ours, and not words to relay to a buyer either.
        return None
    photo = None
    if message.get("photo"):
        largest = max(message["photo"], key=lambda p: p.get("width", 0) * p.get("height", 0))
        photo = PhotoFile(
            file_id=largest["file_id"],
            file_unique_id=largest["file_unique_id"],
            width=largest.get("width", 0),
            height=largest.get("height", 0),
            file_size=largest.get("file_size"),
        )
    document = None
    if message.get("document"):
        doc = message["document"]
        document = DocumentFile(
            file_id=doc["file_id"],
            file_unique_id=doc["file_unique_id"],
            file_name=doc.get("file_name"),
            mime_type=doc.get("mime_type"),
            file_size=doc.get("file_size"),
        )
    contact = None
    if message.get("contact"):
        c = message["contact"]
        contact = SharedContact(phone=c.get("phone_number", ""), user_id=c.get("user_id"))
    other = next((kind for kind in _RELAYED_KINDS if kind in message), None)
    return Inbound(
        channel=CHANNEL,
        update_id=update_id,
        chat_id=int(message["chat"]["id"]),
        chat_kind=message["chat"].get("type", "private"),
        user_id=int(sender["id"]),
        user_name=sender.get("first_name", ""),
        username=sender.get("username"),
        locale=sender.get("language_code"),
        message_id=message.get("message_id"),
        thread_id=message.get("message_thread_id") if message.get("is_topic_message") else None,
        text=text if text is not None else message.get("caption"),
        command=command,
        args=args,
        photo=photo,
        document=document,
        contact=contact,
        media_group_id=message.get("media_group_id"),
        other=other,
        reply_to_message_id=(message.get("reply_to_message") or {}).get("message_id"),
        edited=edited,
        forwarded_from=_forward_origin(message),
    )


def _forward_origin(message: dict[str, Any]) -> str | None:
    """Who wrote a forwarded message (a person's name, a chat's title; "" when hidden
    or unknown); None for a message the sender wrote themselves."""
    origin = message.get("forward_origin")
    if not isinstance(origin, dict):
        return None
    person = origin.get("sender_user") or {}
    chat = origin.get("sender_chat") or origin.get("chat") or {}
    name = (
        " ".join(filter(None, (person.get("first_name"), person.get("last_name"))))
        or origin.get("sender_user_name")
        or chat.get("title")
    )
    return str(name or "")


def _command(message: dict[str, Any], bot_username: str | None) -> tuple[str | None, str, bool]:
    """The command the message starts with, its arguments, and whether it names
    another bot ("/start@OtherBot").  In a private chat this bot is the only one there,
    so such a command is still read as this bot's (the caller drops it in groups)."""
    text = message.get("text") or ""
    entities = message.get("entities") or []
    first = entities[0] if entities else None
    if not (first and first.get("type") == "bot_command" and first.get("offset") == 0):
        return None, "", False
    word = text[: first["length"]]
    name, _, addressee = word[1:].partition("@")
    elsewhere = bool(addressee and bot_username and addressee.lower() != bot_username.lower())
    return name.lower(), text[first["length"] :].strip(), elsewhere


# ------------------------------------------------------------------ outbound


@dataclass(frozen=True, slots=True)
class UploadFile:
    """A file to upload in a call: bytes in memory or a path on disk."""

    file_name: str
    content: bytes | None = None
    path: str | None = None

    def read(self) -> bytes:
        if self.content is not None:
            return self.content
        assert self.path is not None
        return Path(self.path).read_bytes()


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, UploadFile] = field(default_factory=dict)


def keyboard_markup(keyboard: Keyboard) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [
                {"text": b.text, "callback_data": b.data}
                if b.data is not None
                else {"text": b.text, "url": b.url}
                for b in row
            ]
            for row in keyboard.rows
        ]
    }


def _thread(params: dict[str, Any], thread_id: int | None) -> dict[str, Any]:
    if thread_id is not None:
        params["message_thread_id"] = thread_id
    return params


def api_calls(action: Outbound) -> list[ApiCall]:
    """The Bot API call(s) that carry out one action."""
    if isinstance(action, SendText):
        params: dict[str, Any] = {
            "chat_id": action.chat_id,
            "text": action.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if action.keyboard is not None:
            params["reply_markup"] = keyboard_markup(action.keyboard)
        elif action.ask_contact is not None:
            params["reply_markup"] = {
                "keyboard": [[{"text": action.ask_contact, "request_contact": True}]],
                "resize_keyboard": True,
                "one_time_keyboard": True,
            }
        elif action.remove_reply_keyboard:
            params["reply_markup"] = {"remove_keyboard": True}
        if action.reply_to is not None:
            params["reply_parameters"] = {
                "message_id": action.reply_to,
                "allow_sending_without_reply": True,
            }
        return [ApiCall("sendMessage", _thread(params, action.thread_id))]
    if isinstance(action, EditText):
        params = {
            "chat_id": action.chat_id,
            "message_id": action.message_id,
            "text": action.text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if action.keyboard is not None:
            params["reply_markup"] = keyboard_markup(action.keyboard)
        return [ApiCall("editMessageText", params)]
    if isinstance(action, EditKeyboard):
        params = {"chat_id": action.chat_id, "message_id": action.message_id}
        if action.keyboard is not None:
            params["reply_markup"] = keyboard_markup(action.keyboard)
        return [ApiCall("editMessageReplyMarkup", params)]
    if isinstance(action, RenameTopic):
        params = {
            "chat_id": action.chat_id,
            "message_thread_id": action.thread_id,
            "name": action.name[:128],
        }
        return [ApiCall("editForumTopic", params)]
    if isinstance(action, AnswerButton):
        params = {"callback_query_id": action.callback_id}
        if action.text:
            params["text"] = action.text[:200]
            params["show_alert"] = action.alert
        return [ApiCall("answerCallbackQuery", params)]
    if isinstance(action, ChatAction):
        return [ApiCall("sendChatAction", {"chat_id": action.chat_id, "action": action.action})]
    if isinstance(action, SendDocument):
        # An upload goes in the multipart part named after the parameter itself.
        params = {"chat_id": action.chat_id}
        if action.caption:
            params.update(caption=action.caption, parse_mode="HTML")
        upload = UploadFile(action.file_name, content=action.content)
        return [ApiCall("sendDocument", _thread(params, action.thread_id), {"document": upload})]
    if isinstance(action, SendPhotos):
        return _photo_calls(action)
    if isinstance(action, SetCommands):
        scope: dict[str, Any] = {"type": "chat", "chat_id": action.chat_id}
        return [menu_call(scope, action.commands, action.language_code)]
    raise TypeError(f"no Telegram call for {type(action).__name__}")


def _album_media(index: int, ref: PhotoRef, files: dict[str, UploadFile]) -> str:
    """A photo inside sendMediaGroup: a file id, or `attach://name` plus an upload."""
    if ref.file_id:
        return ref.file_id
    name = f"photo{index}"
    files[name] = UploadFile(f"{name}.jpg", path=ref.path)
    return f"attach://{name}"


def _photo_calls(action: SendPhotos) -> list[ApiCall]:
    calls: list[ApiCall] = []
    # Telegram takes 2–10 photos per album; send larger sets in chunks, a single as a photo.
    chunks = [action.photos[i : i + 10] for i in range(0, len(action.photos), 10)]
    for number, chunk in enumerate(chunks):
        files: dict[str, UploadFile] = {}
        caption = action.caption if number == 0 else None
        if len(chunk) == 1:
            params: dict[str, Any] = {"chat_id": action.chat_id}
            if chunk[0].file_id:
                params["photo"] = chunk[0].file_id
            else:
                files["photo"] = UploadFile("photo.jpg", path=chunk[0].path)
            if caption:
                params.update(caption=caption, parse_mode="HTML")
            calls.append(ApiCall("sendPhoto", _thread(params, action.thread_id), files))
            continue
        media = []
        for index, ref in enumerate(chunk):
            item: dict[str, Any] = {"type": "photo", "media": _album_media(index, ref, files)}
            if index == 0 and caption:
                item.update(caption=caption, parse_mode="HTML")
            media.append(item)
        params = {"chat_id": action.chat_id, "media": media}
        calls.append(ApiCall("sendMediaGroup", _thread(params, action.thread_id), files))
    return calls


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def menu_call(
    scope: dict[str, Any], commands: tuple[tuple[str, str], ...], language_code: str = ""
) -> ApiCall:
    """setMyCommands for one scope and language (deleteMyCommands for no commands):
    the one place every channel's menus become a Bot API call."""
    params: dict[str, Any] = {"scope": scope}
    if language_code:
        params["language_code"] = language_code
    if not commands:
        return ApiCall("deleteMyCommands", params)
    params["commands"] = [{"command": c, "description": d} for c, d in commands]
    return ApiCall("setMyCommands", params)
