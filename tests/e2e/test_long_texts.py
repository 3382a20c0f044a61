"""Cards that carry people's longest texts still reach them, with their buttons (real
aiogram ↔ emulator, which refuses what Telegram refuses: over 4096 UTF-16 units after
HTML parsing, over 1024 for captions, HTML it cannot parse).

Every text here is at its maximum length and full of `<`, `&`, `>` and emoji, the
characters that grow when escaped or count twice in UTF-16."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.emulator import Supergroup, TelegramEmulator
from bot.emulator.text import utf16_len
from storage.uow import UnitOfWorkFactory
from tests.e2e.test_buyer_orders import NUMBER, buttons, link
from tests.e2e.test_seller import (
    APPROVE,
    ASK,
    HELP,
    PARTIAL,
    REJECT,
    Shop,
    buyer_is_told,
    open_card,
    shop,  # noqa: F401  (fixture)
    tap,
)
from tests.e2e.test_staff_desk import (  # noqa: F401  (fixtures)
    APPEAL,
    ASSIGN,
    CLOSE,
    REFUND,
    UPHOLD,
    Appeals,
    anna,
    appeals,
    ask_for_a_person,
    bot,
    buyer_with_order,
    desk,
    framework,
    group_kind,
    settings,
)
from tests.factories import make_order

Message = dict[str, Any]
CARD_NOTICE = (
    "…(shortened to fit one message; each message reached this chat in full when it was sent)"
)
ORDER_NOTICE = "…(shortened to fit one message; your order confirmation lists every item)"
STAFF_NOTICE = "…(shortened, full text in /transcript)"


def hostile(label: str, length: int) -> str:
    """`length` characters (what the bot's own limits count) starting with `label`."""
    unit = "<&><&><&>😀 "
    body = (unit * (length // len(unit) + 1))[: length - len(label) - 1]
    return f"{label} {body}"


def fits(message: Message) -> str:
    text = str(message.get("text") or "")
    assert 0 < utf16_len(text) <= 4096
    return text


async def test_cards_after_an_ask_for_info_round_with_the_longest_texts_keep_their_buttons(
    shop: Shop,  # noqa: F811
) -> None:
    note, question, answer = (
        hostile("NOTE", 1000),
        hostile("QUESTION", 1000),
        hostile("ANSWER", 2000),
    )
    claim = await shop.claim({"Ceramic mug": 1}, note=note)
    card = await open_card(shop.seller, claim)
    prompt = await tap(shop.seller, ASK, card)
    assert "What would you like to ask the buyer" in prompt["text"]
    await shop.seller.send(question)
    assert "is with the buyer" in (await shop.seller.wait_message())["text"]
    asked = await buyer_is_told(shop)
    assert question in asked["text"]  # the question itself fits its own message whole
    await tap(shop.buyer, "Answer the seller", asked)
    await shop.buyer.send(answer)
    assert "Your answer is with the seller" in (await shop.buyer.wait_message())["text"]
    await shop.bot.flush_outbox()
    assert "The buyer answered" in (await shop.seller.wait_message())["text"]

    # The seller's card: shortened, with its decision buttons.
    card = await open_card(shop.seller, claim)
    text = fits(card)
    assert buttons(card) == [APPROVE, REJECT, ASK, PARTIAL, HELP]
    assert "Buyer's note: NOTE <&><&><&>😀" in text
    for said in ("QUESTION <&><&>", "ANSWER <&><&>"):
        assert said in text
    assert "Return requested (buyer)" in text  # the history is there
    assert text.endswith(CARD_NOTICE)

    # The buyer's /returns card too.
    await shop.buyer.send("/returns")
    listed = await shop.buyer.wait_message()
    await shop.buyer.press(buttons(listed)[0], message=listed)
    await shop.buyer.wait_callback_answer()
    mine = await shop.buyer.wait_message()
    text = fits(mine)
    assert f"Return request {claim.number}" in text
    assert "QUESTION <&><&>" in text and "ANSWER <&><&>" in text
    assert text.endswith(CARD_NOTICE)
    assert buttons(mine) == ["Withdraw request"]


async def test_an_appeal_whose_summary_is_too_long_opens_with_its_summary_and_verdict_buttons(
    appeals: Appeals,  # noqa: F811
    desk: Supergroup,  # noqa: F811
    anna: Any,  # noqa: F811
    emulator: TelegramEmulator,
) -> None:
    note = hostile("NOTE", 1000)
    claim = await appeals.shop.claim({"Ceramic mug": 2}, note=note)
    card = await open_card(appeals.shop.seller, claim)
    reasons = await tap(appeals.shop.seller, REJECT, card)
    await tap(appeals.shop.seller, "Item is as described", reasons)
    await appeals.shop.seller.send("The mugs in the photos are intact.")
    await appeals.shop.seller.wait_message()
    told = await buyer_is_told(appeals.shop)
    await appeals.buyer.press(APPEAL, message=told)
    await appeals.buyer.wait_callback_answer()
    sent = await appeals.buyer.wait_message()
    assert f"Your appeal of {claim.number} went to our support team" in sent["text"]

    summary = await desk.wait_message()
    text = fits(summary)
    assert "Ticket #1" in text and f"Claim {claim.number}" in text
    assert "Buyer's note: NOTE <&><&><&>😀" in text
    assert "The buyer appeals the seller's rejection" in text
    assert text.endswith(STAFF_NOTICE)
    assert buttons(summary) == [UPHOLD, REFUND, ASSIGN, CLOSE]

    # /transcript has the note whole.
    thread = summary["message_thread_id"]
    await anna.send("/transcript", chat=desk, thread_id=thread)
    document = await desk.wait_message(thread_id=thread)
    content = emulator.file_bytes(document["document"]["file_id"]).decode()
    assert f"Buyer's note: {note}\n" in content


async def test_an_order_of_100_items_with_300_character_names_still_shows_its_card(
    bot: Any,  # noqa: F811
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    words = "Stoneware mug & saucer, glazed <sage> 🍵 " * 8
    items = tuple(((f"Item{n:03} " + words)[:300], 1, "1.00") for n in range(100))
    await make_order(uow_factory, clock, number=NUMBER, status="IN_TRANSIT", items=items)
    buyer = emulator.user(1001, "Alex")

    card = await link(buyer)  # the card follows the proof

    text = fits(card)
    assert f"Order {NUMBER}" in text and "On its way" in text
    assert "• 1 × Item000 Stoneware mug & saucer" in text and "Total paid: $104.99" in text
    shown = text.count("• 1 × Item")
    assert 10 < shown < 100 and f"…and {100 - shown} more items" in text
    assert "UPS 1Z999AA10123456784" in text  # the parcel is still there
    assert text.endswith(
        "…(shortened to fit one message; your order confirmation lists every item)"
    )
    assert buttons(card)[0] == "🔄 Refresh"
    # Refreshing the unchanged card says so: the shortened text is stable.
    await buyer.press("🔄 Refresh", message=card)
    assert await buyer.wait_callback_answer() == "No changes since you last looked."


async def test_staff_words_that_fit_only_without_the_name_still_reach_the_buyer(
    bot: Any,  # noqa: F811
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    desk: Supergroup,  # noqa: F811
    anna: Any,  # noqa: F811
) -> None:
    """Telegram counts emoji twice: 2046 of them fit a message (4092 units), but not
    after "Anna:" — the words then go as they are, after a line naming who wrote."""
    buyer = await buyer_with_order(emulator, uow_factory, clock)
    summary = await ask_for_a_person(buyer, desk)
    thread = summary["message_thread_id"]

    words = "😀" * 2046
    await anna.send(words, chat=desk, thread_id=thread)
    assert (await buyer.wait_message())["text"] == "Anna sent you:"
    assert (await buyer.wait_message())["text"] == words

    caption = "😀" * 511  # 1022 units: a caption alone, not with the name
    await anna.send_photo(caption=caption, chat=desk, thread_id=thread)
    assert (await buyer.wait_message())["text"] == "Anna sent you:"
    assert (await buyer.wait_message())["caption"] == caption

    await anna.send("Short & sweet 😀", chat=desk, thread_id=thread)
    assert (await buyer.wait_message())["text"] == "Anna:\nShort & sweet 😀"
