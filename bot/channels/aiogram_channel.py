"""The aiogram channel: long polling (or a webhook) in, Bot API calls out.

It only translates: an aiogram update becomes the JSON dict Telegram sent, which
`bot.channels.telegram` turns into an `Inbound`; the actions the chat core returns
become Bot API calls, made through aiogram's own method objects and session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher, Router, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    Message,
    Update,
)

from bot.channels.telegram import ApiCall, api_calls, inbound_from_update
from bot.services.outbox import Notification, PermanentSendError, TransientSendError
from handlers.core import ChatCore
from handlers.notifications import render
from handlers.types import ChatAction, Outbound

log = logging.getLogger(__name__)

TYPING_AFTER = 0.4  # seconds of work before the chat shows "typing…"
BUYER_COMMANDS = {
    "start": "Main menu",
    "orders": "My orders and where they are",
    "help": "What I can do",
    "cancel": "Stop what we're doing",
}


def make_bot(token: str, api_url: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else None
    return Bot(token, session=session)


class AiogramChannel:
    def __init__(self, bot: Bot, core: ChatCore, *, bot_username: str | None = None) -> None:
        self.bot = bot
        self.core = core
        self.bot_username = bot_username
        self.dispatcher = Dispatcher()
        router = Router(name="chat-core")
        router.message.register(self._on_message)
        router.callback_query.register(self._on_callback)
        self.dispatcher.include_router(router)

    # ------------------------------------------------------------------ in

    async def _on_message(self, message: Message, event_update: Update) -> None:
        await self.handle_update(event_update)

    async def _on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        await self.handle_update(event_update)

    async def handle_update(self, update: Update) -> None:
        raw = update.model_dump(mode="json", by_alias=True, exclude_none=True)
        inbound = inbound_from_update(raw, self.bot_username)
        if inbound is None:
            return
        typing = asyncio.create_task(self._typing_later(inbound.chat_id, inbound.thread_id))
        try:
            actions = await self.core.handle(inbound)
        finally:
            typing.cancel()
        await self.send_all(actions)

    async def _typing_later(self, chat_id: int, thread_id: int | None) -> None:
        await asyncio.sleep(TYPING_AFTER)
        with contextlib.suppress(Exception):  # cosmetic: never fail the reply over it
            await self.bot.send_chat_action(chat_id, "typing", message_thread_id=thread_id)

    # ----------------------------------------------------------------- out

    async def send_all(self, actions: list[Outbound]) -> None:
        """Carry out replies in order.  A refused reply is logged, never raised into
        aiogram (that would only print a traceback and lose the rest)."""
        for action in actions:
            try:
                await self.perform(action, retry_rate_limit=True)
            except (TransientSendError, PermanentSendError) as exc:
                log.warning("reply not delivered", extra={"error": str(exc)})

    async def perform(self, action: Outbound, *, retry_rate_limit: bool = False) -> list[Any]:
        results = []
        for call in api_calls(action):
            results.append(await self._call(call, retry_rate_limit=retry_rate_limit))
        return results

    async def _call(self, call: ApiCall, *, retry_rate_limit: bool) -> Any:
        method = _aiogram_method(call)
        try:
            return await self.bot(method)
        except TelegramRetryAfter as exc:
            if retry_rate_limit and exc.retry_after <= 5:
                await asyncio.sleep(exc.retry_after)
                return await self._call(call, retry_rate_limit=False)
            raise TransientSendError(exc.message, retry_after=exc.retry_after) from exc
        except (TelegramServerError, TelegramNetworkError) as exc:
            raise TransientSendError(str(exc)) from exc
        except TelegramForbiddenError as exc:
            raise PermanentSendError(exc.message) from exc
        except TelegramBadRequest as exc:
            raise PermanentSendError(exc.message) from exc

    async def deliver(self, notification: Notification) -> None:
        """Outbox delivery: render through the catalog, then send; errors propagate so
        the outbox can retry or give up."""
        for action in render(notification):
            await self.perform(action)

    async def chat_action(self, chat_id: int) -> None:
        await self.perform(ChatAction(chat_id))

    # ------------------------------------------------------------ lifecycle

    async def setup(self) -> None:
        me = await self.bot.get_me()
        self.bot_username = self.bot_username or me.username
        await self.bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in BUYER_COMMANDS.items()],
            scope=BotCommandScopeAllPrivateChats(),
        )

    async def run_polling(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dispatcher.start_polling(
            self.bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=["message", "callback_query"],
            polling_timeout=10,
        )

    async def stop(self) -> None:
        with contextlib.suppress(RuntimeError):  # not polling
            await self.dispatcher.stop_polling()

    async def close(self) -> None:
        await self.bot.session.close()


def _aiogram_method(call: ApiCall) -> methods.TelegramMethod[Any]:
    cls = getattr(methods, call.method[0].upper() + call.method[1:])
    params = dict(call.params)
    for name, upload in call.files.items():
        file = BufferedInputFile(upload.read(), filename=upload.file_name)
        if name in cls.model_fields:
            params[name] = file
            continue
        # sendMediaGroup: the part is referenced as attach://name inside `media`
        params["media"] = [
            {**item, "media": file} if item.get("media") == f"attach://{name}" else item
            for item in params["media"]
        ]
    return cls(**params)  # type: ignore[no-any-return]
