"""Spanish in the offline readers: the language guess and accent folding, the slot
rules, the step readers, and the policy search (per-language folders, the Spanish
tokenizer, the fallback to a shop's English files). The intent model's Spanish is in
test_understanding.py, next to its trained fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.enums import ClaimReason, ClaimType
from bot.domain.language_detect import ENGLISH, SPANISH, fold, guess
from bot.services.answers import Answer, AnswerService
from bot.services.knowledge import BUNDLED, KnowledgeBase
from bot.services.retrieval.chunks import build_chunks, chunk_markdown, digest, slug
from bot.services.retrieval.words import tokenize
from bot.understanding.escapes import Escape, read_escape
from bot.understanding.ratings import read_rating
from bot.understanding.seller_steps import read_reject_reason, read_typed_amount
from bot.understanding.slots import extract
from bot.understanding.steps import (
    ALL,
    claim_type,
    is_done,
    is_skip,
    read_quantity,
    return_reason,
    yes_no,
)

# ------------------------------------------------------------------ language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿dónde está mi pedido?", SPANISH),
        ("mi order no llega", SPANISH),
        ("¿aceptan PayPal?", SPANISH),  # the opening mark alone tells
        ("quiero hablar con una persona", SPANISH),
        ("where is my order", ENGLISH),
        ("can I return shoes I wore once?", ENGLISH),
        ("ok", None),  # too short to tell: the caller's language
        ("578123456789012345", None),
    ],
)
def test_the_language_of_a_message_is_guessed_only_when_it_says_so(
    text: str, language: str | None
) -> None:
    assert guess(text) == language


def test_accents_fold_and_headings_keep_readable_ids() -> None:
    assert fold("Dónde ESTÁ el envío, año") == "donde esta el envio, ano"
    assert slug("Envíos a Canarias, Ceuta y Melilla") == "envios-a-canarias-ceuta-y-melilla"
    assert slug("Return window (15 days)") == "return-window-15-days"  # English unchanged


# ------------------------------------------------------------------ slots


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("pedido 4587 no llega", {"order_number": "4587"}),
        ("orden nº 45871", {"order_number": "45871"}),
        ("número de pedido 578123456789012345", {"order_number": "578123456789012345"}),
        ("me cobraron 12,50 € de más", {"amount": "12.50", "currency": "EUR"}),
        ("me deben 1.234,50 euros", {"amount": "1234.50", "currency": "EUR"}),
        ("pagué 300 pesos", {"amount": "300", "currency": "MXN"}),
        ("son 20 dólares", {"amount": "20", "currency": "USD"}),
        # Central and South America's own currencies
        ("me cobraron 890 lempiras", {"amount": "890", "currency": "HNL"}),
        ("me deben 1.200.000 guaraníes", {"amount": "1200000", "currency": "PYG"}),
        ("prometieron devolver ₡45000", {"amount": "45000", "currency": "CRC"}),
        ("el total era 480 quetzales", {"amount": "480", "currency": "GTQ"}),
        ("pagué 50000 pesos colombianos", {"amount": "50000", "currency": "COP"}),
        # "traking" as typed is still the word for a tracking number
        (
            "en que parte va el traking 9400111899223197428490",
            {"tracking_number": "9400111899223197428490"},
        ),
    ],
)
def test_spanish_order_numbers_and_amounts_are_read(text: str, slots: dict[str, str]) -> None:
    assert extract(text).as_dict() == slots


# ------------------------------------------------------------------ steps


@pytest.mark.parametrize(
    ("text", "value"),
    [("dos", 2), ("tres", 3), ("ambos", ALL), ("todo", ALL), ("ninguno", 0), ("una", 1)],
)
def test_spanish_quantities(text: str, value: object) -> None:
    assert read_quantity(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sí", True),
        ("si", True),
        ("vale", True),
        ("claro", True),
        ("de acuerdo", True),
        ("no", False),
        ("mejor no", False),
        ("para nada", False),
        ("¿sí?", True),
        # a question opened with "¿" answers nothing: "todavía" was a no, "ya" a yes
        ("¿todavía puedo cancelar?", None),
        ("¿ya es tarde para cancelar?", None),
    ],
)
def test_spanish_yes_and_no(text: str, value: bool | None) -> None:
    assert yes_no(text) is value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("roto", ClaimReason.DAMAGED),
        ("llegó dañado", ClaimReason.DAMAGED),
        ("talla equivocada", ClaimReason.NOT_AS_DESCRIBED),
        ("me mandaron otro color", ClaimReason.WRONG_ITEM),
        ("no llegó", ClaimReason.NOT_RECEIVED),
        ("falta una pieza", ClaimReason.MISSING_ITEM),
        ("no funciona", ClaimReason.DEFECTIVE),
        ("me arrepentí", ClaimReason.NO_LONGER_NEEDED),
    ],
)
def test_spanish_return_reasons(text: str, reason: ClaimReason) -> None:
    assert return_reason(text) is reason


def test_spanish_claim_types_and_moving_on() -> None:
    assert claim_type("solo el dinero, me lo quedo") is ClaimType.REFUND
    assert claim_type("lo devuelvo y me reembolsan") is ClaimType.RETURN_AND_REFUND
    assert claim_type("cambiarlo por uno nuevo") is ClaimType.REPLACEMENT
    assert is_done("listo") and is_skip("sin fotos") and is_skip("omitir")
    assert not is_skip("la caja llegó rota")


@pytest.mark.parametrize(
    ("text", "escape"),
    [
        ("cancelar", Escape.CANCEL),
        ("olvídalo", Escape.CANCEL),
        ("hablar con una persona", Escape.PERSON),
        ("quiero hablar con un humano", Escape.PERSON),
        ("ayuda", Escape.HELP),
        ("¿qué hago?", Escape.HELP),
        ("no entiendo", Escape.HELP),
        # A real answer with an escape's word in it stays an answer.
        ("la correa dejó de funcionar", None),
        ("persona", None),
    ],
)
def test_spanish_escapes(text: str, escape: Escape | None) -> None:
    assert read_escape(text) is escape


def test_spanish_ratings_and_seller_answers() -> None:
    assert read_rating("5 estrellas") == 5
    assert read_rating("cuatro de cinco") == 4
    assert read_rating("pésimo") == 1
    assert read_reject_reason("el artículo está usado") == "used_by_buyer"
    assert read_reject_reason("fuera de plazo") == "outside_policy"
    typed = read_typed_amount("15,50 €")
    assert typed is not None and typed.number == "15.50"


# ------------------------------------------------------------------ policy search


def test_the_spanish_tokenizer_folds_stems_and_drops_stopwords() -> None:
    assert tokenize("¿Dónde está mi devolución?", language=SPANISH) == tokenize(
        "donde esta mi devolucion", language=SPANISH
    )
    assert tokenize("devoluciones", language=SPANISH) == tokenize("devolución", language=SPANISH)
    assert tokenize("de la que por para", language=SPANISH) == []
    # "plata" (Latin America) is money back: the same word as "reembolso".
    assert tokenize("plata", language=SPANISH) == tokenize("reembolso", language=SPANISH)


@pytest.fixture(scope="module")
def bundled() -> KnowledgeBase:
    return KnowledgeBase(build_chunks(BUNDLED), semantic=False)


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("¿cuánto cuesta el envío?", "envios.md#gastos-de-envio"),
        ("me cobraron dos veces", "pagos.md#pago-rechazado-o-cobrado-dos-veces"),
        ("cuantos dias tengo para devolver algo", "devoluciones.md#plazo-de-devolucion-15-dias"),
        ("cuanto dura la garantia", "garantia.md#cuanto-dura-la-garantia"),
    ],
)
def test_a_spanish_question_finds_its_section_in_the_spanish_sample(
    bundled: KnowledgeBase, question: str, section: str
) -> None:
    hits = bundled.search(question, None, k=1, language=SPANISH)
    assert [h.chunk.id for h in hits] == [section]
    assert hits[0].chunk.language == SPANISH


def test_an_english_question_still_reads_the_english_sample(bundled: KnowledgeBase) -> None:
    hits = bundled.search("can I pay with apple pay?", None, k=1)
    assert hits[0].chunk.id == "payments.md#ways-to-pay"
    assert hits[0].chunk.language == ENGLISH


ACME = """# Shipping

## Shipping costs

Standard shipping costs $4.99 and is free over $50.
"""


def _shop(root: Path, *, spanish: bool) -> Path:
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "shipping.md").write_text(ACME, encoding="utf-8")
    if spanish:
        (root / "acme" / "es").mkdir()
        (root / "acme" / "es" / "envios.md").write_text(
            "# Envíos\n\n## Gastos de envío\n\nEl envío cuesta 4,99 $ y es gratis desde 50 $.\n",
            encoding="utf-8",
        )
    return root


def test_a_shop_folder_holds_its_translations_by_language(tmp_path: Path) -> None:
    root = _shop(tmp_path, spanish=True)
    chunks = build_chunks(root)
    assert {(c.id, c.language) for c in chunks} == {
        ("shipping.md#shipping-costs", ENGLISH),
        ("envios.md#gastos-de-envio", SPANISH),
    }
    before = digest(root)
    (root / "acme" / "es" / "envios.md").write_text("# Envíos\n\n## Otro\n\nTexto.\n")
    assert digest(root) != before  # a changed translation re-indexes


async def test_without_a_spanish_folder_the_answer_is_the_english_policy_with_a_flag(
    tmp_path: Path,
) -> None:
    kb = KnowledgeBase(build_chunks(_shop(tmp_path, spanish=False)), semantic=False)
    service = AnswerService.__new__(AnswerService)  # offline() only needs the index
    service.kb = kb
    answer = service.offline("¿cuánto cuesta el envío?", "acme", SPANISH)
    assert answer.sources[0].id == "shipping.md#shipping-costs"
    assert answer.only_in == ENGLISH  # the renderer adds "only available in English"
    with_spanish = KnowledgeBase(build_chunks(_shop(tmp_path / "b", spanish=True)), semantic=False)
    service.kb = with_spanish
    translated = service.offline("¿cuánto cuesta el envío?", "acme", SPANISH)
    assert translated.sources[0].id == "envios.md#gastos-de-envio"
    assert translated.only_in is None


def test_an_english_answer_to_an_english_question_has_no_flag() -> None:
    answer = Answer("text", (), 0.9, "sure", "offline", asked=ENGLISH, language=ENGLISH)
    assert answer.only_in is None


def test_a_shop_without_its_own_spanish_uses_its_english_before_the_sample(
    tmp_path: Path,
) -> None:
    root = _shop(tmp_path, spanish=False)
    sample = chunk_markdown("default", "envios.md", "# E\n\n## Gastos de envío\n\nGratis.\n", "es")
    kb = KnowledgeBase([*build_chunks(root), *sample], semantic=False)
    hits = kb.search("¿cuánto cuesta el envío?", "acme", k=1, language=SPANISH)
    assert hits[0].chunk.shop == "acme"  # the shop's own rules, not the sample's
    other = kb.search("¿cuánto cuesta el envío?", "zeta", k=1, language=SPANISH)
    assert other[0].chunk.shop == "default" and other[0].chunk.language == SPANISH
