"""Shared machinery of the Bot API method handlers: chat, thread and reply resolution,
keyboards, text formatting, and turning uploads / file_ids / URLs into stored files.

Every sending method needs the same checks in the same order, and Telegram words each
refusal one way; keeping them in one base class keeps the handlers short and the wording
consistent.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from bot.emulator.errors import bad_request, forbidden
from bot.emulator.files import MAX_PHOTO_SIZE, TDLIB_TYPE_NAMES, FileKind, StoredFile
from bot.emulator.images import image_complete, image_size, sample_png
from bot.emulator.keyboards import check_reply_markup
from bot.emulator.models import IN_CHAT_STATUSES, Chat, StoredMessage
from bot.emulator.params import Upload
from bot.emulator.state import EmulatorState
from bot.emulator.text import MAX_CAPTION_LENGTH, check_length, format_text


def flag(value: Any) -> bool:
    """Booleans of parameters the schema no longer lists (e.g. allow_sending_without_reply)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def int_or_none(value: Any) -> int | None:
    """An integer from a loosely typed parameter, or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ApiBase:
    """State access and the checks every method shares."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # -- shared checks ----------------------------------------------------------------

    def chat(self, chat_id: Any) -> Chat:
        """The chat a chat_id names; "chat not found" for chats the bot cannot know."""
        chat: Chat | None = None
        if isinstance(chat_id, int):
            chat = self.state.chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            chat = next(
                (c for c in self.state.chats.values() if (c.username or "").lower() == wanted),
                None,
            )
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, chat_id: Any) -> Chat:
        """A chat the bot may post in: not blocked by the user, bot still a member."""
        chat = self.chat(chat_id)
        if chat.type == "private":
            if chat.id in self.state.blocked_by:
                raise forbidden("bot was blocked by the user")
        elif chat.bot_status == "kicked":
            raise forbidden("bot was kicked from the supergroup chat")
        elif chat.bot_status not in IN_CHAT_STATUSES:
            raise forbidden("bot is not a member of the supergroup chat")
        return chat

    def can_manage_topics(self, chat: Chat) -> bool:
        """The bot may create, rename, close and reopen any topic of the forum."""
        if chat.bot_status == "creator":
            return True
        return chat.bot_status == "administrator" and chat.bot_can_manage_topics

    def thread(self, chat: Chat, thread_id: int | None) -> int | None:
        """Validate message_thread_id for sending, as the Bot API and Telegram check it.

        A forum topic must exist ("message thread not found" once deleted) and be open,
        unless the bot may manage topics or created the topic itself ("TOPIC_CLOSED").
        Ordinary supergroups have reply threads but no topics: naming one is refused.
        """
        if thread_id is None or thread_id <= 0:
            return None  # the Bot API treats 0 as "no thread"
        if chat.is_forum:
            topic = chat.topics.get(thread_id)
            if topic is None:
                raise bad_request("message thread not found")
            if (
                topic.closed
                and not self.can_manage_topics(chat)
                and topic.created_by != self.state.bot.id
            ):
                raise bad_request("TOPIC_CLOSED")
            return thread_id
        root = chat.live_message(thread_id)
        if chat.type == "supergroup" and root is not None:
            in_thread = root.thread_id == thread_id or any(
                m.thread_id == thread_id and not m.deleted for m in chat.messages.values()
            )
            if in_thread:
                raise bad_request("message thread is not a forum topic thread")
        raise bad_request("message thread not found")

    def placement(
        self, chat: Chat, params: dict[str, Any]
    ) -> tuple[int | None, StoredMessage | None]:
        """(message_thread_id, replied message) of a message the bot sends."""
        thread_id = self.thread(chat, params.get("message_thread_id"))
        reply_to = self.reply_target(chat, params)
        if thread_id is None and reply_to is not None:
            thread_id = self.state.reply_thread(chat, reply_to)
        return thread_id, reply_to

    def reply_target(self, chat: Chat, params: dict[str, Any]) -> StoredMessage | None:
        """The message to reply to, from reply_parameters or the legacy reply_to_message_id."""
        reply = params.get("reply_parameters")
        if reply is not None:
            if not isinstance(reply.get("message_id"), int):
                raise bad_request("can't parse reply parameters JSON object")
            target_chat = chat
            if reply.get("chat_id") is not None:
                target_chat = self.chat(int_or_none(reply["chat_id"]) or reply["chat_id"])
            message_id = reply["message_id"]
            allow_missing = flag(reply.get("allow_sending_without_reply"))
        else:
            message_id = int_or_none(params.get("reply_to_message_id"))
            if message_id is None:
                return None
            target_chat = chat
            allow_missing = flag(params.get("allow_sending_without_reply"))
        target = target_chat.live_message(message_id)
        if target is None or target_chat is not chat:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return target

    def markup(self, params: dict[str, Any], *, inline_only: bool = False) -> dict[str, Any] | None:
        return check_reply_markup(params.get("reply_markup"), inline_only=inline_only)

    def format(self, text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
        return format_text(
            text,
            parse_mode if isinstance(parse_mode, str) else None,
            entities,
            strict_ampersand=self.state.strict_docs,
            resolve_user=self.state.user_object,
        )

    def caption(self, params: dict[str, Any], *, limit: bool = True) -> dict[str, Any]:
        """Caption content fields; "message caption is too long" over 1024 UTF-16 units
        (checked only with `limit`: a caption that will not be used is only parsed)."""
        raw = params.get("caption")
        if raw is None:
            return {}
        text, entities = self.format(raw, params.get("parse_mode"), params.get("caption_entities"))
        if limit:
            check_length(text, MAX_CAPTION_LENGTH, "message caption is too long")
        if not text:
            return {}
        result: dict[str, Any] = {"caption": text}
        if entities:
            result["caption_entities"] = entities
        return result

    def send(
        self,
        chat: Chat,
        content: dict[str, Any],
        params: dict[str, Any],
        markup: dict[str, Any] | None,
        *,
        extra: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Post a bot message, resolving the thread and the replied-to message."""
        thread_id, reply_to = self.placement(chat, params)
        extra = dict(extra or {})
        if params.get("protect_content"):
            extra["has_protected_content"] = True
        return self.state.add_message(
            chat,
            self.state.bot,
            content,
            thread_id=thread_id,
            reply_to=reply_to,
            markup=markup,
            extra=extra,
        )

    # -- files ------------------------------------------------------------------------

    def _is_url(self, value: str) -> bool:
        return "://" in value or "." in value

    def input_file(self, value: Any, kind: FileKind, params: dict[str, Any]) -> StoredFile:
        """The stored file for an upload, a file_id or an HTTP URL."""
        if isinstance(value, Upload):
            return self._store_upload(value.data, kind, value.filename, value.content_type, params)
        if not isinstance(value, str) or not value:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if self._is_url(value):
            data = self.state.web_content.get(value)
            if data is None:
                # Offline: an unregistered URL serves a generated placeholder image.
                data = sample_png(320, 240, seed=value) if kind in ("photo", "sticker") else b""
                data = data or value.encode("utf-8")
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self._store_upload(data, kind, name, None, params)
        stored = self.state.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            have, want = TDLIB_TYPE_NAMES[stored.kind], TDLIB_TYPE_NAMES[kind]
            raise bad_request(f"can't use file of type {have} as {want}")
        return stored

    def _store_upload(
        self,
        data: bytes,
        kind: FileKind,
        filename: str | None,
        content_type: str | None,
        params: dict[str, Any],
    ) -> StoredFile:
        if not data:
            raise bad_request("file must be non-empty")
        files = self.state.files
        if kind == "photo":
            if len(data) > MAX_PHOTO_SIZE:
                raise bad_request(
                    f"file of size {len(data)} bytes is too big for a photo; "
                    f"the maximum size is {MAX_PHOTO_SIZE} bytes"
                )
            size = image_size(data)
            if size is None or not image_complete(data):
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            return files.add_photo(data, width, height)
        mime = content_type if content_type and content_type != "application/octet-stream" else None
        if kind == "document":
            guessed = mimetypes.guess_type(filename or "")[0]
            stored = files.add(
                data,
                "document",
                file_name=filename,
                mime_type=mime or guessed or "application/octet-stream",
            )
            stored.thumbnail = self._thumbnail(params.get("thumbnail"))
            return stored
        if kind == "video":
            stored = files.add(
                data,
                "video",
                file_name=filename,
                mime_type="video/mp4",
                width=int_or_none(params.get("width")) or 0,
                height=int_or_none(params.get("height")) or 0,
                duration=int_or_none(params.get("duration")) or 0,
            )
            stored.thumbnail = self._thumbnail(params.get("thumbnail"))
            return stored
        if kind == "voice":
            return files.add(
                data,
                "voice",
                mime_type="audio/ogg",
                duration=int_or_none(params.get("duration")) or 0,
            )
        width, height = image_size(data) or (512, 512)
        return files.add(data, "sticker", width=width, height=height)

    def _thumbnail(self, value: Any) -> StoredFile | None:
        """An uploaded thumbnail is kept; anything else is ignored, as Telegram does."""
        if not isinstance(value, Upload) or not value.data or len(value.data) > 200 * 1024:
            return None
        size = image_size(value.data)
        if size is None:
            return None
        return self.state.files.add(value.data, "thumbnail", width=size[0], height=size[1])
