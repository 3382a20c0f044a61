"""Names and messages with characters no database takes (NUL, lone surrogates, other
controls) or longer than their columns: the person is still served, and what is
stored is the cleaned text.  On PostgreSQL a NUL in a first name used to make every
update of that person fail."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.text import clean_line, clean_text
from handlers.core import ChatCore
from handlers.types import Inbound, SendText
from storage.models import ChatLogEntry, ChatUser, TicketMessage
from storage.uow import UnitOfWorkFactory
from tests.unit.test_button_data import GENERIC_ERROR, FakeDesk, said, world  # noqa: F401

STRANGER = 4242
updates = itertools.count(1000)


def message(user_id: int, text: str, **profile: Any) -> Inbound:
    command = text[1:].split()[0] if text.startswith("/") else None
    return Inbound(
        channel="telegram",
        update_id=next(updates),
        chat_id=user_id,
        chat_kind="private",
        user_id=user_id,
        user_name=profile.get("name", "Pat"),
        username=profile.get("username"),
        locale=profile.get("locale", "en"),
        message_id=next(updates),
        text=text,
        command=command,
        args=text.partition(" ")[2] if command else "",
    )


async def stored_user(uow_factory: UnitOfWorkFactory, external_id: int) -> ChatUser:
    async with uow_factory(readonly=True) as uow:
        user = await uow.session.scalar(select(ChatUser).where(ChatUser.external_id == external_id))
        assert user is not None
        return user


async def chat_log(uow_factory: UnitOfWorkFactory, chat_id: int) -> list[str]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(
            select(ChatLogEntry)
            .where(ChatLogEntry.chat_id == chat_id, ChatLogEntry.direction == "in")
            .order_by(ChatLogEntry.id)
        )
        return [r.text for r in rows]


def served(actions: list[Any]) -> bool:
    texts = said(actions)
    return bool(texts) and not any(GENERIC_ERROR in t for t in texts)


@pytest.mark.parametrize(
    ("name", "username", "stored_name", "stored_username"),
    [
        ("Pa\x00t", "pa\x00t_99", "Pat", "pat_99"),
        ("\x00", None, "", None),
        ("Pat\ud800", "pat\udfff", "Pat", "pat"),
        ("Pat\x1b[31m\x7f", None, "Pat[31m", None),
        ("Pat " + "x" * 300, "p" * 100, "Pat " + "x" * 196, "p" * 64),
    ],
)
async def test_a_name_no_column_takes_does_not_stop_their_updates(
    world: dict[str, Any],  # noqa: F811
    uow_factory: UnitOfWorkFactory,
    caplog: pytest.LogCaptureFixture,
    name: str,
    username: str | None,
    stored_name: str,
    stored_username: str | None,
) -> None:
    core: ChatCore = world["core"]
    caplog.set_level(logging.ERROR)
    locale = "en-" + "x\x00" * 40  # a forged update: longer than any language code
    for text in ("/start", "/help", "where is my order?"):
        actions = await core.handle(
            message(STRANGER, text, name=name, username=username, locale=locale)
        )
        assert served(actions), (text, said(actions))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    user = await stored_user(uow_factory, STRANGER)
    assert (user.first_name, user.username) == (stored_name, stored_username)
    assert user.language is not None and "\x00" not in user.language
    assert await chat_log(uow_factory, STRANGER) == ["/start", "/help", "where is my order?"]


async def test_message_text_with_nul_is_stored_without_it(
    world: dict[str, Any],  # noqa: F811
    uow_factory: UnitOfWorkFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The chat log (what staff see on taking over) and a ticket's messages are text
    columns written from what the person typed."""
    core: ChatCore = world["core"]
    caplog.set_level(logging.ERROR)
    buyer = 1001  # has a ticket open (see the world fixture): what they write goes to staff
    typed = "my parcel\x00 is\r\nlate\ud800 \x07!"
    actions = await core.handle(message(buyer, typed, name="Alex"), desk=FakeDesk())
    assert not any(GENERIC_ERROR in t for t in said(actions))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (await chat_log(uow_factory, buyer))[-1] == "my parcel is\nlate !"
    async with uow_factory(readonly=True) as uow:
        relayed = list(await uow.session.scalars(select(TicketMessage.text)))
    assert "my parcel is\nlate !" in relayed

    stranger = await core.handle(message(STRANGER, "hello\x00"))
    assert served(stranger)
    assert not any("\x00" in a.text for a in stranger if isinstance(a, SendText))
    assert await chat_log(uow_factory, STRANGER) == ["hello"]


def test_cleaning_keeps_what_people_mean() -> None:
    assert clean_text("line one\nline\ttwo 👩‍👩‍👧 ünï") == "line one\nline\ttwo 👩‍👩‍👧 ünï"
    assert clean_text("a\x00b\r\nc\x1bd\x85e\ud83d") == "ab\ncde"
    assert clean_line(" Jo\x00hn\nSmith ") == "John Smith"
    assert clean_line("Zoë 👩‍👩‍👧", 4) == "Zoë "
