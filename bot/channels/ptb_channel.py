"""The python-telegram-bot channel (BOT_FRAMEWORK=ptb): PTB's `do_api_request` in and
out.  Receiving (the polling loop, the webhook server, the inbox) is shared with aiogram
in `bot.channels.base`; PTB's own Updater acknowledges an update before it is handled,
so it is not used."""

from __future__ import annotations

import contextlib
import logging
import warnings
from datetime import timedelta
from typing import Any

import httpx
from telegram import InputFile, InputMediaPhoto
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.channels.base import ALLOWED_UPDATES, TelegramChannel
from bot.channels.telegram import ApiCall
from bot.domain.errors import FileUnavailable
from bot.services.inbox import UpdateInbox
from bot.services.outbox import PermanentSendError, TransientSendError
from handlers.core import ChatCore

log = logging.getLogger(__name__)


def make_application(token: str, api_url: str | None) -> Application:
    builder = Application.builder().token(token)
    if api_url:
        builder = builder.base_url(f"{api_url}/bot").base_file_url(f"{api_url}/file/bot")
    # No Updater: updates are fetched by the shared loop in bot.channels.base.
    return builder.updater(None).build()


class PtbChannel(TelegramChannel):
    def __init__(
        self,
        application: Application,
        core: ChatCore,
        *,
        bot_username: str | None = None,
        inbox: UpdateInbox | None = None,
    ) -> None:
        super().__init__(core, bot_username=bot_username, inbox=inbox)
        # We call methods by name on purpose (one translation for both libraries); PTB
        # would otherwise warn on every call that a typed method exists.
        warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)
        self.application = application

    async def fetch_updates(self, offset: int | None, wait: int) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"timeout": wait, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            params["offset"] = offset
        # No return type: the JSON Telegram sent, as stored and handled.
        result = await self.application.bot.do_api_request(
            "getUpdates", api_kwargs=params, read_timeout=wait + 10
        )
        return list(result)

    async def call(self, call: ApiCall) -> Any:
        params = dict(call.params)
        for name, upload in call.files.items():
            if "media" in params and name not in ("photo", "document"):
                # An album of uploads: the bytes go to InputMediaPhoto, which makes each
                # its own `attach://` part (an InputFile made here would have none, and
                # Telegram finds no media); one upload at a time, so items already
                # converted stay as they are.
                data = upload.read()
                params["media"] = [
                    InputMediaPhoto(
                        media=data,
                        filename=upload.file_name,
                        caption=item.get("caption"),
                        parse_mode=item.get("parse_mode"),
                    )
                    if isinstance(item, dict) and item.get("media") == f"attach://{name}"
                    else item
                    for item in params["media"]
                ]
            else:
                params[name] = InputFile(upload.read(), filename=upload.file_name)
        if "media" in params:
            # Albums of file ids: PTB serialises InputMedia objects, not plain dicts.
            params["media"] = [
                InputMediaPhoto(
                    media=item["media"],
                    caption=item.get("caption"),
                    parse_mode=item.get("parse_mode"),
                )
                if isinstance(item, dict)
                else item
                for item in params["media"]
            ]
        try:
            return await self.application.bot.do_api_request(call.method, api_kwargs=params)
        except RetryAfter as exc:
            with warnings.catch_warnings():  # an int today, a timedelta in PTB 23: both read
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise TransientSendError(str(exc), retry_after=seconds) from exc
        except Forbidden as exc:
            raise PermanentSendError(exc.message, unreachable=True) from exc
        except (BadRequest, InvalidToken) as exc:
            raise PermanentSendError(exc.message) from exc
        except NetworkError as exc:  # includes TimedOut
            # From the transport (no answer: the message may have arrived), unless the
            # connection was never made; without a transport cause it was an answer (5xx).
            cause = exc.__cause__
            unanswered = isinstance(cause, httpx.TransportError) and not isinstance(
                cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
            )
            raise TransientSendError(str(exc), ambiguous=unanswered) from exc
        except TelegramError as exc:
            raise PermanentSendError(exc.message) from exc

    async def fetch_file(self, file_id: str) -> bytes:
        try:
            file = await self.application.bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            raise FileUnavailable(exc.message, too_big="too big" in exc.message) from exc
        except NetworkError as exc:
            raise FileUnavailable(str(exc)) from exc

    async def setup(self) -> None:
        await self.application.initialize()
        me = self.application.bot.bot
        self.bot_username = self.bot_username or me.username
        await self.register_menus()

    async def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.application.shutdown()
