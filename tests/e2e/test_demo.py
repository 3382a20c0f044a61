"""The offline demo's console, typed at as a newcomer would: a buyer asks for a person,
support staff answer in the ticket's topic and close it, the buyer rates."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.demo import DEMO_STAFF_CHAT, run_demo
from bot.services.demo import load_demo_data
from storage.models import Ticket
from storage.uow import UnitOfWorkFactory

CONFIGURED_STAFF_CHAT = -1005550000001


class Typist:
    """Scripted console input.  Keeps what the console printed after each typed line,
    and the prompt each line was typed at."""

    def __init__(self, *lines: str) -> None:
        self._lines = list(lines)
        self.typed: list[tuple[str, str]] = []  # (prompt, line)
        self._printed: list[list[str]] = [[]]  # [before the first line, after line 1, ...]

    async def read(self, prompt: str) -> str | None:
        if not self._lines:
            return None
        line = self._lines.pop(0)
        self.typed.append((prompt, line))
        self._printed.append([])
        return line

    def write(self, text: str) -> None:
        self._printed[-1].append(text)

    def after(self, line: str, occurrence: int = 1) -> str:
        """What the console printed in answer to the `occurrence`-th typing of `line`."""
        hits = [i for i, (_prompt, typed) in enumerate(self.typed) if typed == line]
        return "\n".join(self._printed[hits[occurrence - 1] + 1])

    def prompt_of(self, line: str) -> str:
        return next(prompt for prompt, typed in self.typed if typed == line)


async def first_new_ticket(app: App) -> int:
    """Load the demo data as the console would, and return the number the console's
    first ticket gets: the demo's history has closed tickets of its own."""
    await load_demo_data(app.uow, app.clock)
    async with app.uow(readonly=True) as uow:
        return (await uow.session.scalar(select(func.max(Ticket.id))) or 0) + 1


@pytest.mark.parametrize("staff_chat_id", [None, CONFIGURED_STAFF_CHAT])
async def test_hand_over_from_the_console(
    app: App,
    uow_factory: UnitOfWorkFactory,
    staff_chat_id: int | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = replace(app, settings=app.settings.model_copy(update={"staff_chat_id": staff_chat_id}))
    answer = "Hi Alex, Riley here. Your parcel is on its way."
    typist = Typist(
        "/human",
        "hello",
        ":as riley",
        answer,
        ":as alex",
        ":as riley",
        ":2",  # ✅ Close, under the ticket's summary
        ":as alex",
        ":5",  # five stars
        ":quit",
    )
    n = await first_new_ticket(app)
    assert await run_demo(app, typist.read, typist.write) == 0

    # Bold as *bold*: the console shows what Telegram would, not the HTML it was sent as.
    assert f"passed our conversation to a person (ticket *#{n}*)" in typist.after("/human")
    relayed = typist.after("hello")
    assert "bot:" not in relayed  # it went to staff, quietly
    assert "(Riley has 2 new messages: :as riley)" in relayed

    # Riley sees what arrived meanwhile, in the new ticket's topic: summary, then "hello".
    riley_sees = typist.after(":as riley")
    summary = riley_sees.index(f"[#{n} · Alex] bot: 🎫 *Ticket #{n}*")
    assert "Why: asked for a person" in riley_sees
    assert "[:1] 🙋 Assign to me   [:2] ✅ Close" in riley_sees
    assert riley_sees.index(f"[#{n} · Alex] bot: hello") > summary
    assert typist.prompt_of(answer) == f"riley [#{n} · Alex]> "  # answering in that topic
    assert "(Alex has 1 new message: :as alex)" in typist.after(answer)

    assert f"bot: *Riley*:\n     {answer}" in typist.after(":as alex")

    closed = typist.after(":2")
    assert f"[✅ #{n} · Alex] bot: ✅ Closed by Riley" in closed
    assert f"buttons removed on “🎫 *Ticket #{n}*”" in closed  # no more Assign / Close

    asked = typist.after(":as alex", occurrence=2)
    assert f"Our team closed ticket *#{n}*. How did we do?" in asked
    assert "[:5] ⭐⭐⭐⭐⭐" in asked
    assert "Thank you for rating us ⭐⭐⭐⭐⭐!" in typist.after(":5")

    async with uow_factory(readonly=True) as uow:
        (ticket,) = (await uow.session.scalars(select(Ticket).where(Ticket.id >= n))).all()
    assert ticket.rating == 5
    assert ticket.staff_chat_id == DEMO_STAFF_CHAT  # the emulated group, whatever is set
    assert "rejected" not in capsys.readouterr().err  # the bot made no call Telegram refuses


async def test_a_second_run_on_the_same_database_starts_afresh(app: App) -> None:
    """Each run is a new emulator, numbering updates and topics from 1 again: the bot
    must still answer, and a ticket from the first run must not land in a topic the
    second run made for someone else."""
    n = await first_new_ticket(app)
    first = Typist("/human", "hello", ":quit")
    await run_demo(app, first.read, first.write)
    assert f"ticket *#{n}*" in first.after("/human")

    second = Typist(":as jordan", "/human", ":as alex", "anyone there?", ":as riley", ":quit")
    await run_demo(app, second.read, second.write)
    assert f"passed our conversation to a person (ticket *#{n + 1}*)" in second.after("/human")
    riley_sees = second.after(":as riley")
    assert f"[#{n + 1} · Jordan] bot: 🎫 *Ticket #{n + 1}*" in riley_sees
    assert f"[#{n} · Alex] bot: 🎫 *Ticket #{n}*" in riley_sees  # a new topic for the old ticket
    assert f"[#{n} · Alex] bot: anyone there?" in riley_sees
    assert f"[#{n + 1} · Jordan] bot: anyone there?" not in riley_sees


async def test_the_order_card_shows_its_formatting_and_tracking_link(app: App) -> None:
    typist = Typist(
        ":as jordan",
        "576100000000000002",
        "jordan.lee@example.org",
        ":photo /no/such/photo.jpg",
        ":quit",
    )
    await run_demo(app, typist.read, typist.write)
    card = typist.after("jordan.lee@example.org")
    assert "📦 *Order 576100000000000002* · Harbor & Home" in card
    assert "Status: *On its way*" in card and "_Next:_ Follow it with the tracking link" in card
    # The link behind the tracking number, which Telegram shows as a tap-able link.
    assert "UPS 1Z8VET114209542531 (https://www.ups.com/track?tracknum=1Z8VET114209542531)" in card
    assert "<b>" not in card and "&amp;" not in card
    assert typist.after(":photo /no/such/photo.jpg") == "  ! no such file: /no/such/photo.jpg"


async def test_a_second_run_reaches_who_wrote_in_the_first(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database remembers who wrote to the bot, the new emulator does not: what
    the bot sends them first in the second run (a rating request for the order proved
    in the first) must reach them, not meet Telegram's "chat not found"."""
    first = Typist("576100000000000001", "alex.rivera@example.com", ":quit")
    await run_demo(app, first.read, first.write)
    assert "is now linked" in first.after("alex.rivera@example.com")
    capsys.readouterr()
    second = Typist("/start", ":quit")
    await run_demo(app, second.read, second.write)
    assert "Welcome back, Alex" in second.after("/start")
    assert "rejected" not in capsys.readouterr().err
