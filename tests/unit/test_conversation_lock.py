"""Updates of one conversation run one at a time across worker processes (PostgreSQL).

Two `ChatCore`s on two engines stand for two worker processes on one database: each
has its own in-process lock and its own connection pool, so only the database can keep
them from handling two updates of the same conversation at once.  The updates are the
two photos of one album, which Telegram sends as two updates a moment apart: each is
appended to the draft, and both must be in it afterwards.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.services.links import LinkSigner
from bot.services.orders import OrderService
from handlers.core import ChatCore, Context, Router
from handlers.types import Inbound, PhotoFile
from storage.db import create_engine, session_factory
from storage.uow import make_uow_factory
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(
    not (PG_URL or "").startswith("postgresql"),
    reason="SQLite serves one process; the cross-process lock is PostgreSQL's",
)

CHAT = 4242
ALBUM = "album"


def album_router() -> Router:
    """ "/album" opens a draft; each photo is appended to it after a moment's work (as
    the returns flow downloads and stores a photo before it adds it to the draft)."""
    router = Router()

    @router.command("album")
    async def start(ctx: Context) -> None:
        ctx.state.go(ALBUM, photos=[])
        ctx.reply("send photos")

    @router.step(ALBUM)
    async def photo(ctx: Context) -> None:
        assert ctx.inbound.photo is not None
        photos = list(ctx.state.data["photos"])
        await asyncio.sleep(0.3)  # the download: the other worker's update arrives now
        ctx.state.go(ALBUM, photos=[*photos, ctx.inbound.photo.file_id])
        ctx.reply(f"got {len(photos) + 1}")

    return router


def update(update_id: int, **fields: object) -> Inbound:
    return Inbound(
        "telegram", update_id, CHAT, "private", CHAT, user_name="Ada", locale="en", **fields
    )  # type: ignore[arg-type]


def photo(update_id: int, name: str) -> Inbound:
    return update(update_id, photo=PhotoFile(name, name), media_group_id="album-1")


async def test_two_workers_handling_one_album_keep_both_photos(
    database_url: str, engine: AsyncEngine, clock: FakeClock
) -> None:
    second_engine = create_engine(database_url)  # the other process's own pool
    try:
        cores = []
        for each in (engine, second_engine):
            uow = make_uow_factory(session_factory(each))
            services = SimpleNamespace(
                orders=OrderService(uow, clock, LinkSigner(b"conversation-lock-test"))
            )
            cores.append(ChatCore(uow, clock, album_router(), services))
        first, second = cores

        await first.handle(update(1, text="/album", command="album"))
        answers = await asyncio.gather(
            first.handle(photo(2, "photo-a")), second.handle(photo(3, "photo-b"))
        )

        # One waited for the other and saw its photo: "got 1" and "got 2", not two "got 1".
        replies = sorted(a.text for actions in answers for a in actions)  # type: ignore[attr-defined]
        assert replies == ["got 1", "got 2"]
        async with make_uow_factory(session_factory(engine))(readonly=True) as uow:
            state = await uow.conversations.get("telegram", CHAT, CHAT)
        assert state is not None and state.step == ALBUM
        assert sorted(state.data["photos"]) == ["photo-a", "photo-b"]
    finally:
        await second_engine.dispose()
