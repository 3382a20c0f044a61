"""A seller deciding a TikTok Shop return in the chat (issue 14), with an in-memory
marketplace: the decision goes to the marketplace first, the claim moves only when it
accepts, a refusal brings the claim to the marketplace's status and an unreachable
marketplace changes nothing; the card offers only the marketplace's decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus
from bot.services.marketplace_claims import MarketplaceClaims
from storage.media import MediaStore
from storage.models import CancelRequest
from storage.uow import UnitOfWorkFactory
from tests.harness import Harness, Person, shown
from tests.marketplace_fakes import (
    REASONS,
    FakeAfterSales,
    cancellation_record,
    return_record,
    tiktok_order,
)
from tests.unit.test_seller_claims import load_claim, make_seller

SELLER_EXT = 3001  # harness.seller()'s user id


@pytest.fixture
async def claim_id(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> int:
    await make_seller(uow_factory, clock, SELLER_EXT)
    await tiktok_order(uow_factory, clock)
    sync = MarketplaceClaims(uow_factory, clock, MediaStore(tmp_path / "media"))

    async def no_photos(url: str) -> bytes:
        raise AssertionError("no photos in this return")

    return (await sync.upsert_return("acme", return_record(clock), no_photos)).id


def sent(port: FakeAfterSales) -> list[str]:
    """The decisions sent to the marketplace (reading its reasons sends none)."""
    return [call[0] for call in port.calls if call[0] != "reasons"]


def connect(harness: Harness, port: FakeAfterSales) -> FakeAfterSales:
    harness.services.after_sales["tiktok"] = port
    return port


async def test_the_card_shows_the_marketplace_and_only_its_decisions(
    harness: Harness, claim_id: int
) -> None:
    seller = harness.seller()
    await seller.press(f"q:{claim_id}")
    assert "buyer on TikTok Shop" in seller.said
    assert "Filed on TikTok Shop" in seller.said
    assert "to respond on TikTok Shop" in seller.said  # its deadline, not ours
    assert [b.data for b in seller.buttons()] == [
        f"mqa:{claim_id}",
        f"mqr:{claim_id}",
        f"sh:{claim_id}",
    ]


async def test_the_queue_lists_it_marked_with_the_marketplace_deadline(
    harness: Harness, claim_id: int
) -> None:
    seller = harness.seller()
    await seller.say("/claims")
    [button] = seller.buttons()
    assert button.data == f"q:{claim_id}"
    assert button.text.startswith("🛍 ") and "left" in button.text  # TikTok's 2 days


async def test_approve_goes_to_the_marketplace_then_moves_the_claim(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mqa:{claim_id}")
    assert "TikTok Shop accepted your decision" in seller.said
    assert [c[0] for c in port.calls] == ["approve"]
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPROVED


async def test_reject_takes_one_of_the_marketplace_reasons_and_a_note(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mqr:{claim_id}")
    assert [b.text for b in seller.buttons()] == [r.label for r in REASONS]
    await seller.tap("has been used")
    assert "Send without a note" in [b.text for b in seller.buttons()]
    await seller.say("Both mugs show use marks in the photos")

    assert port.calls[-1] == (
        "reject",
        port.calls[-1][1],
        "4035000000000001",
        "seller_reject_apply_product_used",
        "Both mugs show use marks in the photos",
    )
    assert "accepted your decision" in seller.said
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == ClaimStatus.REJECTED
    assert claim.appeal_by is None  # appeals are the marketplace's too
    assert await seller.step() is None


async def test_reject_without_a_note(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mqr:{claim_id}")
    await seller.tap("No evidence")
    await seller.tap("Send without a note")
    assert port.calls[-1][3:] == ("seller_reject_apply_no_evidence", None)
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REJECTED


async def test_a_refusal_tells_the_seller_and_the_claim_follows_the_marketplace(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    connect(harness, FakeAfterSales("refuse", refused_status=ClaimStatus.CANCELLED))
    seller = harness.seller()
    await seller.press(f"mqa:{claim_id}")
    assert "did not accept your decision" in seller.said
    assert "already decided on TikTok Shop" in seller.said
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.CANCELLED


async def test_an_unreachable_marketplace_changes_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    connect(harness, FakeAfterSales("error"))
    seller = harness.seller()
    await seller.press(f"mqa:{claim_id}")
    assert "couldn't get your decision to the marketplace" in seller.said
    assert "it could not be reached" in seller.said  # why, from the catalog
    await seller.press(f"mqr:{claim_id}")
    await seller.tap("has been used")
    await seller.say("used")
    assert "Nothing was changed" in seller.said
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == ClaimStatus.REQUESTED and len(claim.history) == 1


async def test_without_a_connector_the_buttons_say_the_shop_is_not_connected(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    seller = harness.seller()
    await seller.press(f"mqa:{claim_id}")
    assert "not connected to the marketplace" in seller.said
    await seller.press(f"mqr:{claim_id}")
    assert "not connected to the marketplace" in seller.said
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REQUESTED


async def test_our_own_buttons_on_a_marketplace_claim_change_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    connect(harness, FakeAfterSales("accept"))
    seller: Person = harness.seller()
    await seller.press(f"qa:{claim_id}")  # an old or forged chat-claim button
    assert "decided with the buttons on its card" in seller.said
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REQUESTED


async def test_a_forged_reason_index_is_not_sent(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mqrr:{claim_id}:39")  # past the marketplace's list
    assert all(c[0] != "reject" for c in port.calls)
    await seller.press(f"mqrr:{claim_id}:x")
    assert seller.alerts
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REQUESTED


# ------------------------------------------------------------ cancellations


@pytest.fixture
async def request_id(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> int:
    await make_seller(uow_factory, clock, SELLER_EXT)
    await tiktok_order(uow_factory, clock, status="AWAITING_SHIPMENT")
    sync = MarketplaceClaims(uow_factory, clock, MediaStore(tmp_path / "media"))
    return (await sync.upsert_cancellation("acme", cancellation_record(clock))).id


async def cancel_status(uow_factory: UnitOfWorkFactory, request_id: int) -> str:
    async with uow_factory(readonly=True) as uow:
        request = await uow.session.get(CancelRequest, request_id)
        assert request is not None
        return request.status


async def test_a_marketplace_cancellation_is_approved_there_first(
    harness: Harness, uow_factory: UnitOfWorkFactory, request_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mka:{request_id}")
    assert [c[0] for c in port.calls] == ["approve_cancel"]
    assert "is cancelled there" in seller.said
    assert await cancel_status(uow_factory, request_id) == "approved"


async def test_a_marketplace_cancellation_is_rejected_with_its_reason(
    harness: Harness, uow_factory: UnitOfWorkFactory, request_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mkr:{request_id}")
    await seller.tap("No evidence")
    assert port.calls[-1][0] == "reject_cancel"
    assert port.calls[-1][3] == "seller_reject_apply_no_evidence"
    assert await cancel_status(uow_factory, request_id) == "rejected"


async def test_a_marketplace_cancellation_rejected_in_words_is_asked_about_with_its_reason(
    harness: Harness, uow_factory: UnitOfWorkFactory, request_id: int
) -> None:
    """ "no, the buyer has used it" with one TikTok cancellation waiting got the request
    again and "tap Reject under it".  The words name one of TikTok's reasons: it is
    asked about, and only a yes sends it."""
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.say("reject that cancellation, the buyer has used it already")
    said = seller.said
    assert "Turn down the cancellation" in said and "The product has been used" in said
    assert sent(port) == [] and await cancel_status(uow_factory, request_id) == "requested"
    await seller.say("yes")
    assert port.calls[-1][0] == "reject_cancel"
    assert port.calls[-1][3] == "seller_reject_apply_product_used"
    assert await cancel_status(uow_factory, request_id) == "rejected"


async def test_a_reason_typed_at_the_cancellation_reasons_is_taken_and_other_words_are_not(
    harness: Harness, uow_factory: UnitOfWorkFactory, request_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mkr:{request_id}")
    await seller.say("hmm")  # names no reason: the list again, nothing sent
    assert "or type what it says" in seller.said
    assert [b.text for b in seller.buttons()] == [r.label for r in REASONS]
    await seller.say("no evidence")
    assert "No evidence provided" in seller.said and sent(port) == []
    await seller.say("no")  # called off
    assert sent(port) == [] and await cancel_status(uow_factory, request_id) == "requested"


async def test_a_marketplace_cancellation_approved_in_words_is_confirmed_first(
    harness: Harness, uow_factory: UnitOfWorkFactory, request_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.say("approve the cancellation")
    assert "refunds the buyer in full" in seller.said and sent(port) == []
    await seller.tap("Confirm: approve on TikTok Shop")
    assert [c[0] for c in port.calls] == ["approve_cancel"]
    assert await cancel_status(uow_factory, request_id) == "approved"


async def test_a_refused_or_unreachable_cancellation_decision_changes_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, request_id: int
) -> None:
    connect(harness, FakeAfterSales("refuse"))
    seller = harness.seller()
    await seller.press(f"mka:{request_id}")
    assert "did not accept your answer" in seller.said
    connect(harness, FakeAfterSales("error"))
    await seller.press(f"mka:{request_id}")
    assert "Nothing was changed" in seller.said
    await seller.press(f"ka:{request_id}")  # our own button: refused, no refund
    assert any("requested on the marketplace" in a for a in seller.alerts)
    assert await cancel_status(uow_factory, request_id) == "requested"


async def test_a_goodwill_refund_on_a_marketplace_order_is_refused_in_words(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    from storage.models import Refund

    seller = harness.seller()
    await seller.say("/refund")
    await seller.say("576900000000000001 5 sorry for the wait")
    assert "refunds for it are paid by the marketplace" in seller.said
    async with uow_factory(readonly=True) as uow:
        assert list(await uow.session.scalars(select(Refund))) == []


async def test_the_linked_buyer_sees_the_claim_with_no_buttons_of_ours(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    from storage.models import OrderLink
    from tests.unit.test_seller_claims import chat_user

    await make_seller(uow_factory, clock, SELLER_EXT)
    order_id = await tiktok_order(uow_factory, clock)
    buyer_id = await chat_user(uow_factory, clock, 1001)
    async with uow_factory() as uow:
        uow.session.add(
            OrderLink(
                chat_user_id=buyer_id, order_id=order_id, method="postcode", created_at=clock.now()
            )
        )
        await uow.commit()
    sync = MarketplaceClaims(uow_factory, clock, MediaStore(tmp_path / "media"))

    async def no_photos(url: str) -> bytes:
        raise AssertionError("no photos in this return")

    claim_id = (await sync.upsert_return("acme", return_record(clock), no_photos)).id
    buyer = harness.buyer()
    await buyer.press(f"cl:{claim_id}")
    assert "Filed on TikTok Shop" in buyer.said
    assert not any(b.data == f"cw:{claim_id}" for b in buyer.buttons())


# ------------------------------------------------------- typed under the card


async def test_approve_typed_under_the_card_goes_to_the_marketplace(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    """What the card's Approve does, typed (confirmed first: the marketplace acts at
    once): before, the seller was told to use the buttons, where a claim of their own
    shop takes "approve" typed."""
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"q:{claim_id}")
    await seller.say("approve it")
    assert "Approve" in seller.said and "on TikTok Shop?" in seller.said
    # TikTok Shop pays the refund: the seller confirms the decision, not a payment.
    assert shown(seller) == ["✅ Confirm: approve on TikTok Shop", "✖ Cancel"]
    assert port.calls == []  # nothing sent before the seller confirms
    await seller.say("yes")
    assert "TikTok Shop accepted your decision" in seller.said
    assert [c[0] for c in port.calls] == ["approve"]
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPROVED
    await seller.press(f"q:{claim_id}")
    await seller.say("approve")  # decided already: said so, not sent again
    assert [c[0] for c in port.calls] == ["approve"]
    assert "Already decided" in seller.said


async def test_reject_typed_under_the_card_asks_the_marketplace_reason(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"q:{claim_id}")
    await seller.say("reject")
    assert [b.text for b in seller.buttons()] == [r.label for r in REASONS]
    await seller.tap("No evidence")
    await seller.tap("Send without a note")
    assert port.calls[-1][0] == "reject"
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REJECTED


async def test_a_marketplace_reason_typed_at_its_list_is_taken_as_tapped(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    """The list said "tap one"; "the buyer used it" typed there got "please tap"."""
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"mqr:{claim_id}")
    await seller.say("the buyer clearly used it")
    assert "Reason: The product has been used" in seller.last_text
    assert sent(port) == []  # the note step comes first
    await seller.tap("Send without a note")
    assert port.calls[-1][3:] == ("seller_reject_apply_product_used", None)
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REJECTED


async def test_a_partial_refund_typed_under_the_card_is_the_marketplace_s(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"q:{claim_id}")
    await seller.say("refund 5.00")
    assert "Refunds for it are the marketplace's" in seller.said
    assert port.calls == []
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REQUESTED


async def test_a_typed_approval_can_be_called_off(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int
) -> None:
    port = connect(harness, FakeAfterSales("accept"))
    seller = harness.seller()
    await seller.press(f"q:{claim_id}")
    await seller.say("approve")
    await seller.say("no")
    assert port.calls == []
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REQUESTED
    # Asked again, the tap on Confirm sends it.
    await seller.press(f"q:{claim_id}")
    await seller.say("approve")
    await seller.tap("✅ Confirm: approve on TikTok Shop")
    assert [c[0] for c in port.calls] == ["approve"]
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPROVED
