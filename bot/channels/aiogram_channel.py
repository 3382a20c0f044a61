"""The aiogram channel: aiogram's session in and out.

getUpdates goes through aiogram's Bot (the receiving loop itself is shared, in
`bot.channels.base`: aiogram's Dispatcher acknowledges an update before handling it);
each update is dumped back to the JSON Telegram sent.  Calls go out as aiogram method
objects.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import Response
from aiogram.types import BufferedInputFile
from aiohttp import ClientConnectorError

from bot.channels.base import ALLOWED_UPDATES, TelegramChannel
from bot.channels.telegram import ApiCall
from bot.domain.errors import FileUnavailable
from bot.services.inbox import UpdateInbox
from bot.services.outbox import PermanentSendError, TransientSendError
from handlers.core import ChatCore

# aiogram validates every answer with `Response[method.__returning__]`; pydantic keeps
# such parametrised classes only weakly, so under allocation-heavy load they are
# collected and rebuilt (~3 ms each, a third of our per-update CPU in the status-flow
# benchmark).  Holding them here keeps them built.
_RESPONSE_TYPES: list[Any] = []


def _keep_response_types() -> None:
    if _RESPONSE_TYPES:
        return
    for name in (
        "GetUpdates",
        "GetMe",
        "GetFile",
        "SendMessage",
        "EditMessageText",
        "EditMessageReplyMarkup",
        "GetChat",
        "ReopenForumTopic",
        "SendPhoto",
        "SendMediaGroup",
        "SendDocument",
        "SendChatAction",
        "AnswerCallbackQuery",
        "SetMyCommands",
        "DeleteMyCommands",
        "CopyMessage",
        "CreateForumTopic",
        "EditForumTopic",
        "CloseForumTopic",
        "GetChatMember",
        "DeleteWebhook",
        "SetWebhook",
    ):
        method = getattr(methods, name, None)
        if method is not None:
            _RESPONSE_TYPES.append(Response[method.__returning__])  # type: ignore[name-defined]


def make_bot(token: str, api_url: str | None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else None
    return Bot(token, session=session)


class AiogramChannel(TelegramChannel):
    def __init__(
        self,
        bot: Bot,
        core: ChatCore,
        *,
        bot_username: str | None = None,
        inbox: UpdateInbox | None = None,
    ) -> None:
        super().__init__(core, bot_username=bot_username, inbox=inbox)
        _keep_response_types()
        self.bot = bot

    async def fetch_updates(self, offset: int | None, wait: int) -> list[dict[str, Any]]:
        method = methods.GetUpdates(offset=offset, timeout=wait, allowed_updates=ALLOWED_UPDATES)
        updates = await self.bot(method, request_timeout=int(self.bot.session.timeout + wait))
        # exclude_unset: only what Telegram sent, without aiogram's default markers
        return [
            update.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_unset=True)
            for update in updates
        ]

    async def call(self, call: ApiCall) -> Any:
        try:
            return await self.bot(_aiogram_method(call))
        except TelegramRetryAfter as exc:
            raise TransientSendError(exc.message, retry_after=exc.retry_after) from exc
        except TelegramServerError as exc:  # an answer: the call was not carried out
            raise TransientSendError(str(exc)) from exc
        except TelegramNetworkError as exc:
            # No answer.  Only a connection never made is sure not to have sent anything.
            sent = not isinstance(exc.__cause__, ClientConnectorError)
            raise TransientSendError(str(exc), ambiguous=sent) from exc
        except TelegramForbiddenError as exc:
            raise PermanentSendError(exc.message, unreachable=True) from exc
        except (
            TelegramBadRequest,
            TelegramNotFound,
            TelegramUnauthorizedError,
        ) as exc:
            raise PermanentSendError(exc.message) from exc

    async def fetch_file(self, file_id: str) -> bytes:
        try:
            file = await self.bot.get_file(file_id)
            if file.file_path is None:
                raise FileUnavailable("no file path")
            data = await self.bot.download_file(file.file_path)
        except TelegramBadRequest as exc:
            raise FileUnavailable(exc.message, too_big="too big" in exc.message) from exc
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise FileUnavailable(str(exc)) from exc
        assert data is not None
        return data.read()

    async def setup(self) -> None:
        me = await self.bot.get_me()
        self.bot_username = self.bot_username or me.username
        await self.register_menus()

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
    return cls(**params)
