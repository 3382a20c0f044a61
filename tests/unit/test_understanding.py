"""The trained intent model and the slot rules (bot/understanding)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.understanding import model as model_module
from bot.understanding.features import normalise
from bot.understanding.model import CORPUS_DIR, Understanding, word_count
from bot.understanding.slots import extract

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Understanding, Path]:
    """The model trained from the repository's corpus with the network unplugged."""
    cache = tmp_path_factory.mktemp("model") / "understanding-model.json"
    real_socket = socket.socket

    def no_network(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the model must not touch the network")

    socket.socket = no_network  # type: ignore[assignment,misc]
    try:
        understanding = Understanding.load(cache)
    finally:
        socket.socket = real_socket  # type: ignore[misc]
    return understanding, cache


def test_the_model_trains_from_the_corpus_offline_and_caches_plain_json(
    trained: tuple[Understanding, Path],
) -> None:
    understanding, cache = trained
    reading = understanding.classify("order 00004587345 status")
    assert reading.intent == "track_order" and reading.sure
    assert reading.slots.order_number == "00004587345"
    # The cache is JSON numbers a later library version (or none) can read: no pickle.
    assert cache.read_bytes()[:1] == b"{"
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert data["key"] == model_module.corpus_digest()
    # Trained with an `out_of_scope` class that is never a reading's intent.
    assert sorted(data["labels"]) == sorted([*understanding.labels, "out_of_scope"])
    assert len(understanding.labels) == 15


def test_no_pickled_model_ships_with_the_code() -> None:
    """Nothing tied to one library version: no pickles, and a numpy archive only of
    plain arrays (the encoder's tuning), which any numpy reads without unpickling."""
    files = [
        p
        for folder in ("bot", "handlers", "storage", "prompts")
        for p in (ROOT / folder).rglob("*")
    ]
    assert [p for p in files if p.suffix in {".pkl", ".pickle", ".joblib", ".npy"}] == []
    for archive in [p for p in files if p.suffix == ".npz"]:
        with np.load(archive, allow_pickle=False) as data:  # raises on a pickled array
            assert all(data[key].dtype != object for key in data.files), archive


def test_loading_cached_weights_needs_neither_scikit_learn_nor_training(
    trained: tuple[Understanding, Path],
) -> None:
    _, cache = trained
    code = (
        "import sys; from pathlib import Path\n"
        "from bot.understanding.model import Understanding\n"
        f"u = Understanding.load(Path({str(cache)!r}))\n"
        "print(u.classify('cancel my order please').intent)\n"
        "print(any(m.split('.')[0] in ('sklearn', 'scipy', 'numpy') for m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["cancel_order", "False"]


def test_a_changed_corpus_retrains_and_an_unchanged_one_reuses_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (*model_module.TRAINING_FILES, *model_module.DEV_FILES):
        lines = (CORPUS_DIR / name).read_text(encoding="utf-8").splitlines()
        (corpus / name).write_text("\n".join(lines[::10]) + "\n", encoding="utf-8")
    cache = tmp_path / "model.json"
    first = Understanding.load(cache, corpus)
    key = first.model.key

    calls = []
    real_train = model_module.train
    monkeypatch.setattr(
        model_module, "train", lambda *a, **k: calls.append(1) or real_train(*a, **k)
    )
    assert Understanding.load(cache, corpus).model.key == key
    assert calls == []  # the cached weights match: no training

    with (corpus / "intents.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "yo where my stuff", "intent": "track_order"}) + "\n")
    again = Understanding.load(cache, corpus)
    assert calls == [1] and again.model.key != key
    assert json.loads(cache.read_text(encoding="utf-8"))["key"] == again.model.key


def test_an_unwritable_cache_still_gives_a_working_model(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    for name in ("intents.jsonl", "intents_dev.jsonl"):
        lines = (corpus / name).read_text(encoding="utf-8").splitlines()
        (corpus / name).write_text("\n".join(lines[::10]) + "\n", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    understanding = Understanding.load(blocker / "model.json", corpus)
    assert understanding.classify("where is my parcel").intent == "track_order"


@pytest.mark.parametrize(
    "text",
    [
        "because",
        "although",
        "price",
        "5.00",
        "asdfgh",
        "2",
        "1,000",
        "",
        # Off-topic, in words the shop's corpus never uses.
        "how do i bake bread",
        "lorem ipsum dolor sit amet",
        "the quick brown fox jumps over the lazy dog",
        # Off-topic requests named in issue 12.
        "tell me a joke",
        "what's the weather",
        "who won the game",
        "write me a poem",
    ],
)
def test_messages_without_a_request_are_never_sure(
    trained: tuple[Understanding, Path], text: str
) -> None:
    reading = trained[0].classify(text)
    assert reading.unsure and not reading.sure, reading
    assert len(reading.alternatives) == 2  # what a clarifying question would offer


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("see order 00123842 status", "track_order"),
        ("i want to cancel order 578123456789012345", "cancel_order"),
        ("the mug arrived cracked, i want my money back", "return_request"),
        ("you approved my return 2 weeks ago and still no money", "refund_status"),
        ("can you send me an invoice for my last order", "invoice"),
        ("let me talk to a real person", "talk_to_person"),
        ("do you take paypal", "payment_methods"),
        ("my headphones stopped working after 4 months", "warranty"),
    ],
)
def test_clear_requests_are_read_with_confidence(
    trained: tuple[Understanding, Path], text: str, intent: str
) -> None:
    reading = trained[0].classify(text)
    assert reading.intent == intent and reading.sure, reading
    assert reading.probability + sum(p for _, p in reading.alternatives) <= 1.0 + 1e-9


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Real buyer wording the old router sent to policy answers (issue 12).
        ("order 00004587345 status", "track_order"),
        ("see order 00123842 status", "track_order"),
        ("I expect a reimbursement of $350", "refund_status"),
        # Terse, misspelt, non-native.
        ("where my stuff", "track_order"),
        ("order 4587 status", "track_order"),
        ("wrong item", "return_request"),
        ("cancel pls", "cancel_order"),
        ("i want know when arrive my order", "track_order"),
        ("pls cancle the ordr", "cancel_order"),
        ("REFUND STILL NOT HERE", "refund_status"),
    ],
)
def test_real_buyer_wording_routes_right_and_sure(
    trained: tuple[Understanding, Path], text: str, intent: str
) -> None:
    reading = trained[0].classify(text)
    assert (reading.intent, reading.sure) == (intent, True), reading


def test_off_topic_is_held_back_never_an_intent(trained: tuple[Understanding, Path]) -> None:
    """The `out_of_scope` class takes the probability of a joke request instead of some
    intent taking it, and is never handed to the routing code as an intent."""
    understanding = trained[0]
    joke = understanding.classify("tell me a joke")
    assert joke.intent in understanding.labels and "out_of_scope" not in understanding.labels
    assert joke.off_topic > 0.5 and joke.unsure
    assert all(intent != "out_of_scope" for intent, _ in joke.alternatives)
    served = understanding.classify("where is my parcel")
    assert served.off_topic < 0.05 and served.sure
    assert understanding.classify("write me a poem").as_dict()["sureness"] == "unsure"


@pytest.mark.parametrize(
    "text",
    [
        "order 00004587345 status",
        "order 4587 status",
        "ORDER #00123842 STATUS",
        "order no. 578123456789012345 status",
        "order 5781209 status",
    ],
)
def test_an_order_number_reads_the_same_whatever_its_length(text: str) -> None:
    assert (
        normalise(text) == "order <order> status" or normalise(text) == "order no. <order> status"
    )


def test_numbers_become_what_the_slot_rules_say_they_are() -> None:
    assert normalise("ups 1Z999AA10123456784 stuck") == "ups <track> stuck"
    assert normalise("I expect a reimbursement of $350") == "i expect a reimbursement of <money>"
    assert normalise("5 stars") == "<num> stars"
    assert word_count("refund??") == 1 and word_count("where my stuff 😡") == 3


def test_a_wall_of_text_is_read_from_its_beginning(trained: tuple[Understanding, Path]) -> None:
    text = "please cancel my order 578123456789012345 " + "blah " * 2000
    reading = trained[0].classify(text)
    assert reading.intent == "cancel_order"
    assert reading.slots.order_number == "578123456789012345"


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("order 00004587345 status", {"order_number": "00004587345"}),
        ("pls cancel, my order is #578528954718661119", {"order_number": "578528954718661119"}),
        ("order no. 5781209 where is it", {"order_number": "5781209"}),
        (
            "I expect a reimbursement of $350",
            {"amount": "350", "currency": "USD"},
        ),
        ("i was charged twice 1,200 dollars", {"amount": "1200", "currency": "USD"}),
        ("refund 12.50 USD please", {"amount": "12.50", "currency": "USD"}),
        ("i paid €19.99 for this", {"amount": "19.99", "currency": "EUR"}),
        ("still owed 20 quid", {"amount": "20", "currency": "GBP"}),
        (
            "ups says 1Z999AA10123456784 is on hold",
            {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
        ),
        ("tracking 9400 1112 0108 0805 4830 16", {"tracking_number": "9400111201080805483016"}),
        (
            "fedex 986578788855 shows delivered",
            {"carrier": "FedEx", "tracking_number": "986578788855"},
        ),
        (
            "my dhl tracking number is 3318810025",
            {"carrier": "DHL", "tracking_number": "3318810025"},
        ),
        # A 10-digit order number that happens to pass DHL's check digit stays an order.
        ("warranty please my order is order 1410778843", {"order_number": "1410778843"}),
        ("can hermes deliver on saturday", {"carrier": "Evri"}),
        ("how long with royal mail to germany", {"carrier": "Royal Mail"}),
        # Glued to its cue, as hurried buyers type it.
        ("order00004587902 box was missing the charger", {"order_number": "00004587902"}),
        ("need to cancel ord00458812", {"order_number": "00458812"}),
        # Other currencies' signs and words; dots grouping thousands.
        ("you owe me NZ$64.50 from the claim", {"amount": "64.50", "currency": "NZD"}),
        ("I get back 250 lira for the lamp?", {"amount": "250", "currency": "TRY"}),
        ("and the 1.200.000 dong, when I receive?", {"amount": "1200000", "currency": "VND"}),
        ("you charged my card ₦45,000", {"amount": "45000", "currency": "NGN"}),
        # A sum with cents is money even with no currency; with a unit it is not.
        ("the invoice should say 245.00", {"amount": "245.00"}),
        ("rated it 4.50 stars at 10.30 am", {}),
        # Spanish-market carriers by name; a generic "paquete express" is none.
        ("ni aviso de correos ni nada", {"carrier": "Correos"}),
        ("lo mando por SEUR", {"carrier": "SEUR"}),
        ("quiero un paquete express", {}),
        # In Spanish "correos" are also emails; the post only where a post is meant.
        ("me llegan 3 correos de publicidad al dia", {}),
        ("correos perdió mi paquete", {"carrier": "Correos"}),
        # Carriers of other markets, by the same list the tracking step reads.
        ("the SMS said Aramex has it but Aramex say no", {"carrier": "Aramex"}),
        ("Ninja Van says out for delivery since morning", {"carrier": "Ninja Van"}),
        ("An Post left a card", {"carrier": "An Post"}),
        ("the constant pop-ups on your site", {}),
        # No money or order without the signs of one.
        ("5 stars! and it lasted 3 months", {}),
        ("it has its ups and downs", {}),
        # An order number typed in digit groups is one number; a phone number, a date
        # or a grouped tracking number is not an order's, and no first group is.
        ("order no. 5761-0000-0000-0000-02", {"order_number": "576100000000000002"}),
        ("5761 0000 0000 0000 02 where is it", {"order_number": "576100000000000002"}),
        ("is 576 100 000 000 000 002 shipped", {"order_number": "576100000000000002"}),
        ("order 5781-2090-55 late", {"order_number": "5781209055"}),
        ("order no. 5761-02", {}),
        ("order 2024-05-12 never came", {}),
        ("order 4587 3 days late", {"order_number": "4587"}),
        ("call me on 555-010-0199 or +1 512 555 0101", {}),
        ("my number is 07700 900123", {}),
        # Called a tracking number and shaped like USPS's: the buyer's tracking number
        # even though its check digit does not match (a slipped digit), never an order's.
        ("tracking 9400 1112 0108 0805 4830 17", {"tracking_number": "9400111201080805483017"}),
        (
            "the USPS number is 9405503699300412875316, stuck",
            {"tracking_number": "9405503699300412875316", "carrier": "USPS"},
        ),
        ("DHL 4829103756 not moving", {"tracking_number": "4829103756", "carrier": "DHL"}),
        ("1Z7F93A20415867329", {"tracking_number": "1Z7F93A20415867329"}),
        # ...but not when an order is what it is called, or "track" is what to do with it.
        ("order 784512369014 fedex", {"order_number": "784512369014", "carrier": "FedEx"}),
        ("track 5820734196", {"order_number": "5820734196"}),
        # Local short forms of a currency.
        ("RM 89.90 refund still not in", {"amount": "89.90", "currency": "MYR"}),
        ("reimbursement of KSh 4,500", {"amount": "4500", "currency": "KES"}),
        ("PKR 7,800 refund pending", {"amount": "7800", "currency": "PKR"}),
        ("Rs. 1,299 charged twice", {"amount": "1299", "currency": "INR"}),
        ("3 hours 5 left", {}),
        # Another document's number is not an order's; "invoice 5781…" names the order.
        ("can you help me see my invoice #85632", {}),
        ("receipt no. 4471902 is wrong", {}),
        ("invoice 576100000000000001", {"order_number": "576100000000000001"}),
        ("order #5781000 and invoice #85632", {"order_number": "5781000"}),
        # A carrier tagged by its social handle; Brazil's post.
        ("@UPSHelp tracking says delivered, porch empty", {"carrier": "UPS"}),
        ("@DPD_UK driver threw it over the fence", {"carrier": "DPD"}),
        ("@RoyalMail lost it again", {"carrier": "Royal Mail"}),
        ("@upsidedown_cafe hi", {}),
        ("Correios site shows nothing", {"carrier": "Correios"}),
        # Groups of up to seven digits; a short first group after a cue.
        ("cancel order 114-3941689-8772232", {"order_number": "11439416898772232"}),
        ("order no. 309-551-874. any update?", {"order_number": "309551874"}),
        ("track my oder pls 77120", {"order_number": "77120"}),
        ("order 12 34", {}),
        # UPS's number as its label prints it, in groups.
        (
            "my ups 1Z 999 AA1 01 2345 678 4 hasnt moved",
            {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
        ),
        # A shopping day named by its date is no sum; the same figure as a price is.
        ("got 3 of them in the 11.11 sale", {}),
        ("bought during 12.12, still not here", {}),
        ("the 11.11 deal price was 11.11", {"amount": "11.11"}),
    ],
)
def test_slots_are_read_by_rules(text: str, slots: dict[str, str]) -> None:
    assert extract(text).as_dict() == slots


def test_the_ask_command_does_not_load_the_model_for_other_commands() -> None:
    code = "import sys, bot.cli; print('bot.understanding.model' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("¿dónde está mi pedido?", "track_order"),
        ("quiero cancelar mi pedido", "cancel_order"),
        ("me llegó roto, quiero devolverlo", "return_request"),
        ("¿cuándo me devuelven el dinero?", "refund_status"),
        ("quiero hablar con una persona", "talk_to_person"),
        ("¿aceptan PayPal?", "payment_methods"),
        ("necesito la factura de mi compra", "invoice"),
        ("mi order no llega", "track_order"),
    ],
)
def test_clear_spanish_messages_are_read_by_the_same_model(
    trained: tuple[Understanding, Path], text: str, intent: str
) -> None:
    """One model reads both languages (and the two mixed): no language guess first."""
    reading = trained[0].classify(text)
    assert reading.intent == intent, reading
    assert reading.sure, reading


def test_a_spanish_message_with_an_order_number_and_an_amount(
    trained: tuple[Understanding, Path],
) -> None:
    reading = trained[0].classify("cancelé el pedido 5781234 y me cobraron 12,50 €, ¿y mi dinero?")
    assert reading.slots.order_number == "5781234"
    assert (reading.slots.amount, reading.slots.currency) == ("12.50", "EUR")
