"""The staff desk port over the Bot API: the same calls for aiogram and
python-telegram-bot, since both channels make calls by method name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.channels.telegram import ApiCall
from bot.services.desk import DeskError, NoTopicRights, StaffChatInfo, ThreadGone, Unreachable
from bot.services.outbox import PermanentSendError, TransientSendError
from handlers.types import Outbound

if TYPE_CHECKING:
    from bot.channels.base import TelegramChannel


def _field(result: Any, name: str) -> Any:
    """A field of a call's result: aiogram gives typed objects, PTB plain dicts."""
    if isinstance(result, dict):
        return result.get(name)
    return getattr(result, name, None)


class TelegramDesk:
    def __init__(self, channel: TelegramChannel) -> None:
        self._channel = channel
        self._bot_id: int | None = None

    async def _call(self, method: str, **params: Any) -> Any:
        try:
            return await self._channel.call(ApiCall(method, params))
        except TransientSendError as exc:
            raise DeskError(str(exc)) from exc
        except PermanentSendError as exc:
            raise _translate(exc) from exc

    async def chat_info(self, chat_id: int) -> StaffChatInfo:
        chat = await self._call("getChat", chat_id=chat_id)
        if self._bot_id is None:
            self._bot_id = int(_field(await self._call("getMe"), "id"))
        me = await self._call("getChatMember", chat_id=chat_id, user_id=self._bot_id)
        status = _field(me, "status")
        is_admin = status in ("administrator", "creator")
        return StaffChatInfo(
            chat_id=chat_id,
            title=_field(chat, "title") or "",
            is_forum=bool(_field(chat, "is_forum")),
            bot_is_admin=is_admin,
            can_manage_topics=status == "creator" or bool(_field(me, "can_manage_topics")),
        )

    async def member_status(self, chat_id: int, user_id: int) -> str:
        member = await self._call("getChatMember", chat_id=chat_id, user_id=user_id)
        status = str(_field(member, "status"))
        if status == "restricted" and _field(member, "is_member") is False:
            return "left"  # restricted but no longer in the chat
        return status

    async def create_topic(self, chat_id: int, name: str) -> int:
        topic = await self._call("createForumTopic", chat_id=chat_id, name=name[:128])
        return int(_field(topic, "message_thread_id"))

    async def _topic_call(self, method: str, **params: Any) -> None:
        """A topic change that may already be in place (same name, closed already, open
        already): Telegram answers TOPIC_NOT_MODIFIED, which is success here."""
        try:
            await self._call(method, **params)
        except DeskError as exc:
            if "TOPIC_NOT_MODIFIED" not in str(exc):
                raise

    async def rename_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        await self._topic_call(
            "editForumTopic", chat_id=chat_id, message_thread_id=thread_id, name=name[:128]
        )

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        await self._topic_call("closeForumTopic", chat_id=chat_id, message_thread_id=thread_id)

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        await self._topic_call("reopenForumTopic", chat_id=chat_id, message_thread_id=thread_id)

    async def copy(
        self,
        *,
        to_chat: int,
        from_chat: int,
        message_id: int,
        thread_id: int | None = None,
        reply_to: int | None = None,
        caption: str | None = None,
    ) -> int:
        params: dict[str, Any] = {
            "chat_id": to_chat,
            "from_chat_id": from_chat,
            "message_id": message_id,
        }
        if thread_id is not None:
            params["message_thread_id"] = thread_id
        if reply_to is not None:
            params["reply_parameters"] = {
                "message_id": reply_to,
                "allow_sending_without_reply": True,
            }
        if caption is not None:
            params.update(caption=caption, parse_mode="HTML")
        return int(_field(await self._call("copyMessage", **params), "message_id"))

    async def send(self, action: Outbound) -> int | None:
        try:
            results = await self._channel.perform(action, wait_rate_limit=True)
        except TransientSendError as exc:
            raise DeskError(str(exc)) from exc
        except PermanentSendError as exc:
            raise _translate(exc) from exc
        for result in results:
            first = result[0] if isinstance(result, list) and result else result
            message_id = _field(first, "message_id")
            if message_id is not None:
                return int(message_id)
        return None


def _translate(exc: PermanentSendError) -> DeskError:
    text = str(exc).lower()
    if exc.unreachable:
        return Unreachable(str(exc))
    if "thread not found" in text or "topic_deleted" in text or "topic_id_invalid" in text:
        return ThreadGone(str(exc))
    if "not enough rights" in text and "topic" in text:
        return NoTopicRights(str(exc))
    if "the chat is not a forum" in text:
        return NoTopicRights(str(exc))
    return DeskError(str(exc))
