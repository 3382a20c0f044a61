"""Scripted users: the test's hands on the Telegram side of the conversation.

A ScriptedUser does what a person does in a Telegram client (writes, sends photos and
albums, shares a contact, presses inline buttons, blocks the bot) and observes what the bot
sent.  Each action becomes the update the real Telegram would deliver to the bot.
Impossible actions (pressing a button that is not there, writing in a closed topic) raise
ScriptError at once, so a broken scenario fails at the step that broke.
"""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import Sequence
from typing import Any

from bot.emulator.errors import ScriptError
from bot.emulator.groups import Supergroup
from bot.emulator.images import image_size, sample_jpeg, sample_sticker
from bot.emulator.keyboards import inline_buttons
from bot.emulator.models import IN_CHAT_STATUSES, Account, CallbackQuery, Chat, StoredMessage
from bot.emulator.state import EmulatorState, content_for_file
from bot.emulator.text import format_text

#: A minimal Ogg page header: enough to look like a voice note to code that sniffs bytes.
SAMPLE_VOICE = b"OggS\x00\x02" + bytes(20) + b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
#: An MP4 "ftyp" box: enough to look like a video to code that sniffs bytes.
SAMPLE_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)
_OWN = object()


def _chat_instance(chat_id: int) -> str:
    """A stable per-chat string, like Telegram's chat_instance."""
    return str((chat_id * 2654435761 + 97) % 2**63)


class ScriptedUser:
    """A Telegram user driven by the test."""

    def __init__(self, state: EmulatorState, account: Account) -> None:
        self._state = state
        self.account = account
        self._seen: set[tuple[int, int]] = set()
        self._queries: list[str] = []
        self._uploads = 0

    # -- identity and observation -----------------------------------------------------

    @property
    def id(self) -> int:
        return self.account.id

    @property
    def first_name(self) -> str:
        return self.account.first_name

    @property
    def username(self) -> str | None:
        return self.account.username

    @property
    def phone(self) -> str | None:
        return self.account.phone

    @property
    def user(self) -> dict[str, Any]:
        """The Bot API User object the bot sees for this user."""
        return self.account.as_user()

    @property
    def private_chat(self) -> Chat | None:
        """The private chat with the bot; None until the user first writes."""
        return self._state.chats.get(self.id)

    def wrote_before(self) -> None:
        """The user wrote to the bot before this emulator started (in an earlier run of
        the demo): their private chat exists, so the bot may message them first."""
        self._state.private_chat(self.account)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every live bot message in the private chat, oldest first, as the user sees it.

        Same dicts as the Bot API returns, except that `reply_markup` also shows reply
        keyboards (Telegram's Message only echoes inline keyboards to the bot).
        """
        chat = self.private_chat
        return [] if chat is None else self._state.user_messages_view(chat, from_bot=True)

    @property
    def last_message(self) -> dict[str, Any] | None:
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        """The reply keyboard currently shown to the user, if any."""
        chat = self.private_chat
        if chat is None:
            return None
        for message in sorted(chat.messages.values(), key=lambda m: -m.message_id):
            markup = message.markup
            if message.from_bot and markup is not None:
                if "keyboard" in markup:
                    return copy.deepcopy(markup)
                if "remove_keyboard" in markup:
                    return None
        return None

    @property
    def chat_actions(self) -> list[str]:
        """Every sendChatAction the bot made in the private chat ("typing", ...)."""
        chat = self.private_chat
        return [] if chat is None else [action for action, _thread in chat.chat_actions]

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        """answerCallbackQuery parameters for this user's button presses, in press order."""
        answers = []
        for query_id in self._queries:
            query = self._state.callbacks[query_id]
            if query.answer is not None:
                answers.append(dict(query.answer))
        return answers

    @property
    def blocked_bot(self) -> bool:
        return self.id in self._state.blocked_by

    def block_bot(self) -> None:
        """Block the bot: its sends now get 403, and it receives a my_chat_member update."""
        if self.blocked_bot:
            return
        self._state.blocked_by.add(self.id)
        self._member_update("member", "kicked")

    def unblock_bot(self) -> None:
        """Unblock the bot (as the "Restart" button does)."""
        if not self.blocked_bot:
            return
        self._state.blocked_by.discard(self.id)
        self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> None:
        chat = self.private_chat
        if chat is None:
            return
        bot = self._state.bot.as_user()
        new_member: dict[str, Any] = {"status": new, "user": bot}
        if new == "kicked":
            new_member["until_date"] = 0
        old_member: dict[str, Any] = {"status": old, "user": bot}
        if old == "kicked":
            old_member["until_date"] = 0
        self._state.updates.push(
            "my_chat_member",
            {
                "chat": self._state.chat_object(chat),
                "from": self.user,
                "date": self._state.now(),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    # -- where a message goes ---------------------------------------------------------

    def require_member(self, chat: Chat) -> None:
        status = chat.members.get(self.id)
        if status not in IN_CHAT_STATUSES:
            raise ScriptError(f"{self.first_name} is not a member of {chat.title!r} ({status})")

    def _chat(self, chat: Supergroup | Chat | int | None) -> Chat:
        if chat is None:
            if self.blocked_bot:
                raise ScriptError(f"{self.first_name} blocked the bot; call unblock_bot() first")
            return self._state.private_chat(self.account)
        if isinstance(chat, Supergroup):
            return chat.chat
        if isinstance(chat, Chat):
            return chat
        found = self._state.chats.get(chat)
        if found is None:
            raise ScriptError(f"unknown chat {chat}")
        return found

    def _reply(self, chat: Chat, reply_to: dict[str, Any] | int | None) -> StoredMessage | None:
        if reply_to is None:
            return None
        message_id = reply_to["message_id"] if isinstance(reply_to, dict) else reply_to
        if isinstance(reply_to, dict) and reply_to.get("chat", {}).get("id", chat.id) != chat.id:
            raise ScriptError(f"message {message_id} is not in chat {chat.id}; pass chat=...")
        message = chat.live_message(message_id)
        if message is None:
            raise ScriptError(f"no message {message_id} to reply to in chat {chat.id}")
        return message

    def _thread(self, chat: Chat, thread_id: int | None, reply: StoredMessage | None) -> int | None:
        """The message_thread_id of a message posted in `chat` (topic or reply thread)."""
        if chat.type == "private":
            if thread_id is not None:
                raise ScriptError("private chats have no topics")
            return None
        self.require_member(chat)
        if thread_id is not None and not chat.is_forum:
            raise ScriptError(f"{chat.title!r} is not a forum; reply with reply_to=... instead")
        if reply is not None:
            joined = self._state.reply_thread(chat, reply)
            if thread_id is not None and joined != thread_id:
                raise ScriptError(f"message {reply.message_id} is not in topic {thread_id}")
            thread_id = joined
        if thread_id is None or not chat.is_forum:
            return thread_id
        topic = chat.topics.get(thread_id)
        if topic is None:
            raise ScriptError(f"topic {thread_id} does not exist in {chat.title!r}")
        may_manage = chat.members.get(self.id) in ("creator", "administrator")
        if topic.closed and not may_manage and topic.created_by != self.id:
            raise ScriptError(f"topic {topic.name!r} is closed")
        return thread_id

    def _post(
        self,
        content: dict[str, Any],
        chat: Supergroup | Chat | int | None,
        thread_id: int | None,
        reply_to: dict[str, Any] | int | None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        target = self._chat(chat)
        reply = self._reply(target, reply_to)
        thread = self._thread(target, thread_id, reply)
        message = self._state.add_message(
            target, self.account, content, thread_id=thread, reply_to=reply, extra=extra
        )
        self._state.updates.push("message", message.data)
        return copy.deepcopy(message.data)

    def _text_fields(self, text: str, key: str = "text") -> dict[str, Any]:
        clean, entities = format_text(text, None, None)
        fields: dict[str, Any] = {key: clean}
        if entities:
            fields[f"{key}_entities" if key == "caption" else "entities"] = entities
        return fields

    def _next_seed(self) -> str:
        self._uploads += 1
        return f"{self.id}-{self._uploads}"

    # -- sending ----------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a text message (commands get their bot_command entity); returns the Message."""
        fields = self._text_fields(text)
        if not fields["text"]:
            raise ScriptError("Telegram clients cannot send an empty message")
        return self._post(fields, chat, thread_id, reply_to)

    def _photo_content(self, data: bytes | None, caption: str | None) -> dict[str, Any]:
        data = data if data is not None else sample_jpeg(seed=self._next_seed())
        size = image_size(data)
        if size is None:
            raise ScriptError("send_photo needs JPEG/PNG/GIF/WebP bytes (clients send images)")
        stored = self._state.files.add_photo(data, *size)
        content = content_for_file(stored)
        if caption:
            content.update(self._text_fields(caption, "caption"))
        return content

    async def send_photo(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a photo (default: a distinct sample JPEG) with thumbnail + full sizes."""
        return self._post(self._photo_content(data, caption), chat, thread_id, reply_to)

    async def send_album(
        self,
        photos: Sequence[bytes] | None = None,
        caption: str | None = None,
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> list[dict[str, Any]]:
        """Send 2-10 photos as one album: one update per photo, sharing a media_group_id."""
        items = (
            list(photos)
            if photos is not None
            else [sample_jpeg(self._next_seed()) for _ in range(3)]
        )
        if not 2 <= len(items) <= 10:
            raise ScriptError("an album holds 2-10 photos")
        group_id = str(14_000_000_000_000_000 + self._state.next_id())
        sent = []
        for index, data in enumerate(items):
            content = self._photo_content(data, caption if index == 0 else None)
            extra = {"media_group_id": group_id}
            sent.append(self._post(content, chat, thread_id, reply_to, extra))
        return sent

    async def send_document(
        self,
        data: bytes | None = None,
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a file as a document."""
        if data is None:
            data = b"%PDF-1.4\n% sample document " + self._next_seed().encode() + b"\n%%EOF\n"
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._state.files.add(data, "document", file_name=file_name, mime_type=mime)
        content = content_for_file(stored)
        if caption:
            content.update(self._text_fields(caption, "caption"))
        return self._post(content, chat, thread_id, reply_to)

    async def send_sticker(
        self,
        data: bytes | None = None,
        emoji: str = "👍",
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a sticker (default: a real 512x512 WebP)."""
        data = data if data is not None else sample_sticker()
        width, height = image_size(data) or (512, 512)
        stored = self._state.files.add(data, "sticker", width=width, height=height)
        return self._post(content_for_file(stored, emoji=emoji), chat, thread_id, reply_to)

    async def send_voice(
        self,
        data: bytes | None = None,
        duration: int = 3,
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a voice note (audio/ogg)."""
        stored = self._state.files.add(
            data if data is not None else SAMPLE_VOICE,
            "voice",
            mime_type="audio/ogg",
            duration=duration,
        )
        return self._post(content_for_file(stored), chat, thread_id, reply_to)

    async def send_video(
        self,
        data: bytes | None = None,
        duration: int = 5,
        width: int = 640,
        height: int = 360,
        caption: str | None = None,
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a video (video/mp4)."""
        stored = self._state.files.add(
            data if data is not None else SAMPLE_VIDEO,
            "video",
            file_name="video.mp4",
            mime_type="video/mp4",
            width=width,
            height=height,
            duration=duration,
        )
        content = content_for_file(stored)
        if caption:
            content.update(self._text_fields(caption, "caption"))
        return self._post(content, chat, thread_id, reply_to)

    async def share_contact(
        self,
        phone: str | None = None,
        user_id: Any = _OWN,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> dict[str, Any]:
        """Share a contact in the private chat: by default the user's own phone and user_id.

        Pass another `user_id` (or None) with a `phone` to forge a contact, as a buyer can
        share someone else's card: bots must check contact.user_id == from.id.
        """
        own = user_id is _OWN
        number = phone if phone is not None else self.phone
        if number is None:
            raise ScriptError(f"{self.first_name} has no phone; pass phone=...")
        contact: dict[str, Any] = {
            "phone_number": number,
            "first_name": first_name or (self.first_name if own else "Contact"),
        }
        surname = last_name if last_name is not None else (self.account.last_name if own else None)
        if surname:
            contact["last_name"] = surname
        contact_user = self.id if own else user_id
        if contact_user is not None:
            contact["user_id"] = contact_user
        return self._post({"contact": contact}, None, None, None)

    async def edit(self, message: dict[str, Any] | int, text: str) -> dict[str, Any]:
        """Edit one of the user's own text messages; the bot gets an edited_message update."""
        message_id = message["message_id"] if isinstance(message, dict) else message
        chat_id = message["chat"]["id"] if isinstance(message, dict) else self.id
        chat = self._state.chats.get(chat_id)
        stored = chat.live_message(message_id) if chat else None
        if stored is None or stored.sender_id != self.id or "text" not in stored.data:
            raise ScriptError(f"{self.first_name} has no text message {message_id} to edit")
        fields = self._text_fields(text)
        stored.data["text"] = fields["text"]
        stored.data.pop("entities", None)
        if "entities" in fields:
            stored.data["entities"] = fields["entities"]
        stored.data["edit_date"] = self._state.now()
        self._state.updates.push("edited_message", stored.data)
        self._state.notifier.notify()
        return copy.deepcopy(stored.data)

    # -- buttons ----------------------------------------------------------------------

    async def press(
        self,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message: dict[str, Any] | int | None = None,
        chat: Supergroup | Chat | int | None = None,
    ) -> dict[str, Any]:
        """Press an inline button, by its text or callback_data, on the latest bot message
        that has it (or on `message`); the bot receives a callback_query update."""
        if (text is None) == (callback_data is None):
            raise ScriptError("press() needs exactly one of text or callback_data")
        target_chat = self._chat(chat)
        if target_chat.type == "supergroup":
            self.require_member(target_chat)
        candidates = sorted(
            (m for m in target_chat.messages.values() if m.from_bot and not m.deleted),
            key=lambda m: -m.message_id,
        )
        if message is not None:
            wanted = message["message_id"] if isinstance(message, dict) else message
            candidates = [m for m in candidates if m.message_id == wanted]
        for candidate in candidates:
            for button in inline_buttons(candidate.markup):
                if (text is not None and button.get("text") == text) or (
                    callback_data is not None and button.get("callback_data") == callback_data
                ):
                    return self._press(target_chat, candidate, button)
        shown = [b.get("text") for m in candidates[:1] for b in inline_buttons(m.markup)]
        wanted_label = text if text is not None else f"callback_data={callback_data!r}"
        raise ScriptError(f"no inline button {wanted_label!r}; latest buttons: {shown}")

    async def press_forged(
        self,
        callback_data: str,
        *,
        message: dict[str, Any] | int | None = None,
        chat: Supergroup | Chat | int | None = None,
    ) -> dict[str, Any]:
        """Send a callback query with arbitrary data, as a modified client can.

        Telegram does not check that the data belongs to a button of the message, so bots
        must treat callback_data as untrusted input; this is how tests prove they do.
        The query goes to `message` (default: the latest bot message in the chat).
        """
        target_chat = self._chat(chat)
        if target_chat.type == "supergroup":
            self.require_member(target_chat)
        if message is None:
            candidates = [m for m in target_chat.messages.values() if m.from_bot and not m.deleted]
            if not candidates:
                raise ScriptError("the bot has sent no message to attach a callback query to")
            target = max(candidates, key=lambda m: m.message_id)
        else:
            wanted = message["message_id"] if isinstance(message, dict) else message
            found = target_chat.live_message(wanted)
            if found is None or not found.from_bot:
                raise ScriptError(f"no bot message {wanted} in chat {target_chat.id}")
            target = found
        return self._press(target_chat, target, {"callback_data": callback_data})

    def _press(self, chat: Chat, message: StoredMessage, button: dict[str, Any]) -> dict[str, Any]:
        if "callback_data" not in button:
            raise ScriptError(f"button {button.get('text')!r} sends no callback query")
        query_id = str(4_600_000_000_000_000_000 + self._state.next_id())
        self._state.callbacks[query_id] = CallbackQuery(
            query_id, self.id, chat.id, message.message_id, button["callback_data"]
        )
        self._queries.append(query_id)
        payload = {
            "id": query_id,
            "from": self.user,
            "message": message.data,
            "chat_instance": _chat_instance(chat.id),
            "data": button["callback_data"],
        }
        self._state.updates.push("callback_query", payload)
        return copy.deepcopy(payload)

    # -- waiting ----------------------------------------------------------------------

    async def wait_message(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - a per-call deadline is the point of the API
        *,
        chat: Supergroup | Chat | int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The next bot message this user has not seen yet (private chat by default).

        Messages are consumed in order, so a message that arrived before the call is
        returned at once; TimeoutError (naming recent rejections) if nothing arrives.
        """
        target = self._state.private_chat(self.account) if chat is None else self._chat(chat)

        def probe() -> dict[str, Any] | None:
            for message in sorted(target.messages.values(), key=lambda m: m.message_id):
                key = (target.id, message.message_id)
                if (
                    message.from_bot
                    and not message.is_service
                    and key not in self._seen
                    and (thread_id is None or message.thread_id == thread_id)
                ):
                    self._seen.add(key)
                    return message.user_view()
            return None

        try:
            return await self._state.notifier.wait_for(probe, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the bot sent {self.first_name} nothing new within {timeout}s"
                + self._state.rejection_hint()
            ) from None

    async def wait_callback_answer(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - a per-call deadline is the point of the API
        *,
        query_id: str | None = None,
    ) -> str | None:
        """The answerCallbackQuery text for the latest press (or `query_id`); waits for it."""
        if query_id is None:
            if not self._queries:
                raise ScriptError(f"{self.first_name} has pressed no button yet")
            query_id = self._queries[-1]
        query = self._state.callbacks[query_id]

        def probe() -> CallbackQuery | None:
            return query if query.answered else None

        try:
            answered = await self._state.notifier.wait_for(probe, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the bot did not answer {self.first_name}'s button press within {timeout}s"
            ) from None
        text = (answered.answer or {}).get("text")
        return text if isinstance(text, str) else None
