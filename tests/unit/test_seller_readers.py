"""What sellers type at their steps, in other writers' words
(`bot/understanding/corpus/steps_sellers.jsonl`): read by `seller_steps`' rules, and
left unread when it is no answer (the step then asks again)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.understanding.seller_steps import (
    CardFact,
    card_fact_asked,
    names_a_goodwill_refund,
    period_in_words,
    pick_label,
    read_card_decision,
    read_carrier,
    read_reject_reason,
    read_seller_request,
    read_typed_amount,
    read_yes_no,
)


@pytest.mark.parametrize(
    ("typed", "decision"),
    [
        ("yep approve it, legit damage", "approve"),
        ("a prove", "approve"),  # voice typing
        ("pode aprovar, the buyer is right", "approve"),
        ("We will not be accepting this return; the mug is not one of ours.", "reject"),
        ("no refund for this one abeg", "reject"),  # "one" is no sum
        ("pr 10", "partial"),
        ("give them like 40 percent", "partial"),
        ("ask em for an unboxing video", "ask"),
        ("message the customer first", "ask"),
        ("va, apruebalo", "approve"),
        ("✅ go", "approve"),
        ("rechaso", "reject"),  # a slip
        ("no - final sale item", "reject"),
        ("devuelvele la mitad nomas", "partial"),
        ("💸 5", "partial"),
        ("need vid", "ask"),
        ("q mande otra foto, en esa no se ve nada", "ask"),
        # Third-round writers (Gen Z resellers; Nigerian, Kenyan, South African and
        # continental European sellers).
        ("nah", "reject"),
        ("they used it for a whole month and want their money back?? nah", "reject"),
        ("hard pass on this one", "reject"),
        ("I refuse this claim, it left our warehouse perfect", "reject"),
        ("aight accpet it", "approve"),
        ("abeg refund am, the courier broke it", "approve"),
        ("fair enough let them have the refund", "approve"),
        ("pay back the whole R350", "approve"),  # all of it, with its sum
        ("they can have 7 back for the trouble", "partial"),
        ("just send 6 quid for the scratch", "partial"),
        ("give them R100 back", "partial"),
        # A sum offered, or "done": what part of the money to pay back (the demo's
        # "can you offer them 5 bucks instead" showed the card's hint).
        ("can you offer them 5 bucks instead", "partial"),
        ("lets do $10 for the chip", "partial"),
        ("refund them 7 instead", "partial"),
        ("offer them a replacement", None),
        ("refund just the one cup not both", "partial"),
        ("split it 50 50", "partial"),
        ("tell the buyer to send a pic of the crack", "ask"),
        ("let him explain what is not working", "ask"),
        ("hold off on rejecting for now", None),
        ("wait, no reject am yet", None),
        ("partial or full refund hmm", None),
        ("idk refund or deny", None),
        # No decision: weighed up, asked about, or a no to a no.
        ("que pasa si la rechazo, le llega aviso al comprador?", None),
        ("no se si aprobar o devolverle una parte", None),
        ("👍", None),
        ("approve or partial, which one better?", None),
        ("what happens if i reject, do i lose the fee?", None),
        ("don't reject it, the photo looks fake though", None),
        ("can i ask you something", None),
        ("hmm", None),
    ],
)
def test_a_decision_said_in_a_sentence(typed: str, decision: str | None) -> None:
    read = read_card_decision(typed)
    assert (read.decision if read else None) == decision


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("as desc", "not_as_claimed"),
        ("its the size it says in the listing they just didnt read it", "not_as_claimed"),
        ("coffee stains in the 2nd pic, they been drinkin out of it", "used_by_buyer"),
        ("dog chewed it mate not our problem", "used_by_buyer"),
        ("not bought from us, we dont even carry that brand", "outside_policy"),
        ("passou do prazo de 7 dias", "outside_policy"),
        ("buyer msgd us theyre keeping it, withdrew", "other"),
        ("we already sent a replacement and tracking says delivered", "other"),
        ("la talla es la q pidio, igualita a la descripcion", "not_as_claimed"),
        ("se nota q la zapatilla esta gastada, la uso el", "used_by_buyer"),
        ("ya pasaron mas de 30 dias", "outside_policy"),
        ("el comprador me escribio q ya no quiere devolverlo, q se lo queda", "other"),
        ("dupe req", "other"),
        ("the size chart is right there", "not_as_claimed"),
        ("same colour as the pictures, its their screen", "not_as_claimed"),
        ("it's original, not a fake like he says", "not_as_claimed"),
        ("cant even see a scratch on these", "evidence_insufficient"),
        ("tags are cut off and there is makeup on the neckline", "used_by_buyer"),
        ("asked 2 months after it was delivered", "outside_policy"),
        ("he didnt buy it from us, another seller", "outside_policy"),
        ("she opened the same claim twice", "other"),
        ("buyer told me she wants to keep it", "other"),
        ("we refunded him via M-Pesa already", "other"),
        ("the transfer failed, it was never paid", "other"),
    ],
)
def test_a_reject_reason_in_sellers_words(typed: str, reason: str) -> None:
    assert read_reject_reason(typed) == reason


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("Please refund $12.50, which covers the one damaged mug.", "12.50"),
        ("We'll refund $1,250 of the $2,400 charged for the sofa.", "1250"),
        ("The fair figure is 19.00, given the lid is the only damaged part.", "19.00"),
        ("£7.50 should cover the chip I reckon", "7.50"),
        ("give her 8 dollars lang po", "8"),
        ("a fiver", "5"),
        ("seven fifty", "7.50"),
        ("twenty two fifty", "22.50"),
        ("eleven dollars and twenty five cents", "11.25"),
        ("doce cincuenta", "12.50"),
        ("quince", "15"),
        ("6 con 50", "6.50"),
        ("hagamos 7,50 ya q la caja llego bien", "7.50"),
        ("dale 8 pavos y ya", "8"),
        ("12 fifty", "12.50"),
        ("7 ninety nine", "7.99"),
        ("give am 3k", "3000"),
        ("R150", "150"),
        ("KSh 750 sawa", "750"),
        ("send 4.20 lmao", "4.20"),
        ("refund 1 cup only so 9.50", "9.50"),  # a count beside the sum with cents
        # No one sum.
        ("enough to cover the broken one", None),
        ("10 or 15?", None),
        ("somewhere between 6 and 9 euro", None),
        ("2 at 6.25", None),  # a unit price: the sum is not said
        ("5 apples", None),
    ],
)
def test_an_amount_in_sellers_words(typed: str, amount: str | None) -> None:
    read = read_typed_amount(typed)
    assert (Decimal(read.number) if read else None) == (Decimal(amount) if amount else None)


@pytest.mark.parametrize(
    ("typed", "carrier"),
    [
        ("oops 1Z7R9X402663011578", "UPS"),  # a slipped digit: still UPS's shape
        ("748920315562", "FedEx"),
        ("aus post 33ABC123456789", "Australia Post"),
        ("amazon TBA301234567890", "Amazon Logistics"),
        ("andreani, te paso el tracking despues", "Andreani"),  # named, though not checkable
        ("fedex or dhl havent decided", None),
        ("maybe dhl maybe aramex, depends on the price", None),
    ],
)
def test_a_carrier_in_sellers_words(typed: str, carrier: str | None) -> None:
    assert read_carrier(typed) == carrier


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("si", True),  # "sí" typed without its accent
        ("Sí, confirmo", True),
        ("dale", True),
        ("sim", True),
        ("mejor no", False),
        ("ok", None),  # an acknowledgement decides no money
        ("si pero no", None),
    ],
)
def test_a_yes_or_no_to_a_money_question_in_spanish_too(typed: str, answer: bool | None) -> None:
    assert read_yes_no(typed) is answer


@pytest.mark.parametrize(
    ("typed", "command", "period"),
    [
        ("how are my sales this month", "stats", "30"),
        ("stats for last week", "stats", "7"),
        ("how's my shop doing", "stats", ""),
        ("¿cómo van mis ventas?", "stats", ""),
        ("why do people return stuff", "insights", ""),
        ("insights 90 days", "insights", "90"),
        ("what's my return address", "returnaddress", ""),
        ("dirección de devolución", "returnaddress", ""),
        # Not a command: a claim's words, or order numbers.
        ("approve the return", None, ""),
        ("where do I find the order numbers", None, ""),
    ],
)
def test_a_sellers_command_in_words(typed: str, command: str | None, period: str) -> None:
    assert read_seller_request(typed) == command
    assert period_in_words(typed) == period


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("refund 5 dollars on order 576100000000000001, it arrived late", True),
        ("576100000000000001 refund $2.50 box dented", True),
        ("refund order 576100000000000001", False),  # no sum: the step asks for it
        ("refund $5", False),  # no order
        ("576100000000000001 is late", False),
    ],
)
def test_a_refund_with_its_order_and_sum(typed: str, names: bool) -> None:
    assert names_a_goodwill_refund(typed) is names


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("when was it delivered", CardFact.FACTS),
        ("has this buyer returned stuff before", CardFact.FACTS),
        ("what did the buyer say exactly", CardFact.WORDS),
        ("why do they want a refund", CardFact.WORDS),
        ("show me the full note", CardFact.WORDS),
        ("how much did they pay", CardFact.PAID),
        ("¿cuánto pagó?", CardFact.PAID),
        ("how many days do i have to answer", CardFact.DEADLINE),
        ("¿cuánto tiempo tengo?", CardFact.DEADLINE),
        ("hmm let me think about it", CardFact.THINKING),
        ("what would you do", CardFact.ADVICE),
        ("is this buyer legit", CardFact.ADVICE),
        ("I will decide this tomorrow.", CardFact.THINKING),
        # Not the card's facts: a question for the buyer, decisions, the seller's own.
        ("what is wrong with it?", None),
        ("approve", None),
        ("refund 10", None),
        ("reject it, they used it", None),
        # the sum asked is on the card: answered with the money lines (it got "tap a
        # button" under the card in the demo, as "wait no, how much is it" did)
        ("how much is the refund", CardFact.PAID),
    ],
)
def test_card_fact_asked(text: str, fact: CardFact | None) -> None:
    assert card_fact_asked(text) is fact


TIKTOK_REASONS = [
    "The product has been packed",
    "The buyer gave no evidence",
    "The product has been used",
]


@pytest.mark.parametrize(
    ("typed", "index"),
    [
        ("no, it's already packed", 0),
        ("we packed it yesterday", 0),
        ("they gave no evidence", 1),
        ("the buyer clearly used it", 2),
        ("2", 1),
        ("the last one", 2),
    ],
)
def test_a_marketplace_reason_named_in_words(typed: str, index: int) -> None:
    assert pick_label(typed, TIKTOK_REASONS) == index


@pytest.mark.parametrize("typed", ["reject", "hmm", "no proof", "the product", "4"])
def test_words_naming_no_reason_or_several_take_none(typed: str) -> None:
    assert pick_label(typed, TIKTOK_REASONS) is None
