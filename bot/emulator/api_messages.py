"""Bot API methods about messages: sending, editing, deleting, copying, forwarding,
callback answers and getFile.

Each handler takes the typed parameters (see params.py) and returns the `result` Telegram
would return, or raises ApiError with Telegram's wording.  Validation order follows the
Bot API server where it matters: keyboards and entity parsing are checked before the chat,
so a bot gets the same error it would get in production when several things are wrong.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.emulator.api_base import ApiBase, flag
from bot.emulator.errors import bad_request
from bot.emulator.files import MAX_DOWNLOAD_SIZE, FileKind
from bot.emulator.models import StoredMessage
from bot.emulator.params import Upload
from bot.emulator.state import content_for_file
from bot.emulator.text import MAX_TEXT_LENGTH, check_length, utf16_len

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MEDIA_FIELDS: dict[str, FileKind] = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVideo": "video",
    "sendVoice": "voice",
    "sendSticker": "sticker",
}
#: Message fields a copy or a forward carries over (everything else is per-message).
_COPIED_FIELDS = frozenset(
    {
        "text",
        "entities",
        "photo",
        "document",
        "video",
        "voice",
        "sticker",
        "contact",
        "caption",
        "caption_entities",
        "has_media_spoiler",
    }
)
#: Content kinds that carry a caption (copyMessage's `caption` replaces it).
_CAPTIONED = frozenset({"photo", "document", "video", "voice"})
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class MessageMethods(ApiBase):
    """sendMessage, send<Media>, sendMediaGroup, sendChatAction, edits, deletes, copies."""

    # -- sending ----------------------------------------------------------------------

    async def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = self.markup(params)
        text, entities = self.format(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        if not text:
            raise bad_request("message text is empty")
        chat = self.writable_chat(params["chat_id"])
        check_length(text, MAX_TEXT_LENGTH, "message is too long")
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        extra: dict[str, Any] = {}
        preview = params.get("link_preview_options")
        if isinstance(preview, dict) and preview:
            extra["link_preview_options"] = preview
        message = self.send(chat, content, params, markup, extra=extra)
        return copy.deepcopy(message.data)

    async def send_media(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        kind = MEDIA_FIELDS[method]
        markup = self.markup(params)
        caption = self.caption(params) if kind != "sticker" else {}
        chat = self.writable_chat(params["chat_id"])
        stored = self.input_file(params[kind], kind, params)
        extra_fields: dict[str, Any] = {}
        if kind == "sticker" and isinstance(params.get("emoji"), str):
            extra_fields["emoji"] = params["emoji"]
        content = content_for_file(stored, **extra_fields)
        content.update(caption)
        if kind in ("photo", "video") and params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        message = self.send(chat, content, params, markup)
        return copy.deepcopy(message.data)

    async def send_media_group(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        items = params["media"]
        if not items:
            raise bad_request("there are no messages to send")
        if len(items) > 10:
            raise bad_request("too many messages to send as an album")
        if len(items) == 1 and self.state.strict_docs:
            raise bad_request("media group must include 2-10 items")
        prepared: list[tuple[FileKind, dict[str, Any]]] = []
        for item in items:
            if not isinstance(item, dict):
                raise bad_request("can't parse InputMedia: Object expected")
            kind = item.get("type")
            if kind == "animation":
                raise bad_request(
                    "can't parse InputMedia: type \"animation\" can't be used in sendMediaGroup"
                )
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported')
            if kind == "audio":
                raise bad_request('InputMedia of type "audio" is not supported by the emulator')
            if not isinstance(item.get("media"), (str, Upload)) or not item.get("media"):
                raise bad_request("can't parse InputMedia: media not found")
            prepared.append((kind, item))
        kinds = {kind for kind, _ in prepared}
        if "document" in kinds and len(kinds) > 1:
            raise bad_request("document can't be mixed with other media types")
        chat = self.writable_chat(params["chat_id"])
        contents: list[dict[str, Any]] = []
        for kind, item in prepared:
            stored = self.input_file(item["media"], kind, item)
            content = content_for_file(stored)
            content.update(self.caption(item))
            if kind in ("photo", "video") and flag(item.get("has_spoiler")):
                content["has_media_spoiler"] = True
            contents.append(content)
        thread_id, reply_to = self.placement(chat, params)
        extra: dict[str, Any] = {}
        if len(contents) > 1:
            extra["media_group_id"] = str(13_000_000_000_000_000 + self.state.next_id())
        sent = [
            self.state.add_message(
                chat, self.state.bot, content, thread_id=thread_id, reply_to=reply_to, extra=extra
            )
            for content in contents
        ]
        return [copy.deepcopy(message.data) for message in sent]

    async def send_chat_action(self, params: dict[str, Any]) -> bool:
        chat = self.writable_chat(params["chat_id"])
        action = params["action"]
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        thread_id = self.thread(chat, params.get("message_thread_id"))
        chat.chat_actions.append((action, thread_id))
        self.state.notifier.notify()
        return True

    # -- editing and deleting ---------------------------------------------------------

    def editable(self, params: dict[str, Any]) -> StoredMessage:
        """The bot's own message an edit method names, or Telegram's refusal."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        if "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat = self.writable_chat(params["chat_id"])
        message = chat.live_message(params["message_id"])
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot or message.is_service:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(
        self, message: StoredMessage, fields: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        data = message.data
        unchanged = all(data.get(key) == value for key, value in fields.items())
        if unchanged and data.get("reply_markup") == markup:
            raise bad_request(_NOT_MODIFIED)
        for key, value in fields.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        if markup is None:
            data.pop("reply_markup", None)
        else:
            data["reply_markup"] = markup
        message.markup = copy.deepcopy(markup)
        data["edit_date"] = self.state.now()
        self.state.notifier.notify()
        return copy.deepcopy(data)

    async def edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = self.markup(params, inline_only=True)
        if "text" not in params:
            raise bad_request("message text is empty")
        text, entities = self.format(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        if not text:
            raise bad_request("message text is empty")
        message = self.editable(params)
        if "text" not in message.data:
            raise bad_request("there is no text in the message to edit")
        check_length(text, MAX_TEXT_LENGTH, "message is too long")
        fields: dict[str, Any] = {"text": text, "entities": entities or None}
        preview = params.get("link_preview_options")
        if isinstance(preview, dict):
            fields["link_preview_options"] = preview or None
        return self._apply_edit(message, fields, markup)

    async def edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = self.markup(params, inline_only=True)
        caption = self.caption(params)
        message = self.editable(params)
        if message.content_type not in ("photo", "document", "video", "voice"):
            raise bad_request("there is no caption in the message to edit")
        fields = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
        }
        return self._apply_edit(message, fields, markup)

    async def edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = self.markup(params, inline_only=True)
        message = self.editable(params)
        return self._apply_edit(message, {}, markup)

    async def delete_message(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params["chat_id"])
        message = chat.live_message(params["message_id"])
        if message is None:
            raise bad_request("message to delete not found")
        if (
            chat.type == "supergroup"
            and not message.from_bot
            and not (chat.bot_status == "administrator" and chat.bot_can_delete_messages)
        ):
            raise bad_request("message can't be deleted")
        message.deleted = True
        self.state.notifier.notify()
        return True

    # -- callback queries and files ---------------------------------------------------

    async def answer_callback_query(self, params: dict[str, Any]) -> bool:
        query = self.state.callbacks.get(params["callback_query_id"])
        if query is None or query.answered:
            raise bad_request(_QUERY_TOO_OLD)
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            key: params[key] for key in ("text", "show_alert", "url", "cache_time") if key in params
        }
        self.state.notifier.notify()
        return True

    async def get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.state.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return stored.as_file()

    # -- copying and forwarding -------------------------------------------------------

    def _source(self, params: dict[str, Any], missing: str) -> StoredMessage:
        source_chat = self.chat(params["from_chat_id"])
        message = source_chat.live_message(params["message_id"])
        if message is None:
            raise bad_request(missing)
        return message

    async def copy_message(self, params: dict[str, Any]) -> dict[str, int]:
        """Copy any message; `caption` replaces the caption of media only.

        As in tdlib (messageCopyOptions.replace_caption: "media caption of the message copy
        needs to be replaced"), a new caption is parsed (bad markup is refused) but ignored
        for text, sticker and contact messages, which have no caption.
        """
        markup = self.markup(params)
        replace_caption = "caption" in params
        self.caption(params, limit=False)  # parsed first: bad markup fails any copy
        source = self._source(params, "message to copy not found")
        if source.is_service:
            raise bad_request("message can't be copied")
        chat = self.writable_chat(params["chat_id"])
        content = {
            key: copy.deepcopy(value)
            for key, value in source.data.items()
            if key in _COPIED_FIELDS or key == "link_preview_options"
        }
        if replace_caption and source.content_type in _CAPTIONED:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self.caption(params))  # "" removes the caption
        message = self.send(chat, content, params, markup)
        return {"message_id": message.message_id}

    async def forward_message(self, params: dict[str, Any]) -> dict[str, Any]:
        source = self._source(params, "message to forward not found")
        if source.is_service:
            raise bad_request("message can't be forwarded")
        chat = self.writable_chat(params["chat_id"])
        content = {
            key: copy.deepcopy(value)
            for key, value in source.data.items()
            if key in _COPIED_FIELDS and key != "has_media_spoiler"
        }
        origin = {
            "type": "user",
            "sender_user": copy.deepcopy(source.data["from"]),
            "date": source.data["date"],
        }
        forward_params: dict[str, Any] = {
            key: params[key] for key in ("message_thread_id", "protect_content") if key in params
        }
        message = self.send(chat, content, forward_params, None, extra={"forward_origin": origin})
        return copy.deepcopy(message.data)
