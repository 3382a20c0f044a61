"""What "cancel" means: the order, a return request, or a yes to "Cancel order X?"."""

from __future__ import annotations

import pytest

from bot.understanding.cancelling import (
    cancel_answer,
    cancels,
    cancels_the_order,
    keeps_the_order,
    withdraws_request,
)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("i changed my mind, cancel my return", True),
        ("withdraw the refund request", True),
        ("cancel my request", True),
        ("my return, cancel it", True),
        ("anular la devolución", True),
        ("cancela mi solicitud", True),
        # The order, not a request: these go to the order's cancel question.
        ("cancel my order", False),
        ("cancel my order and refund me", False),
        ("I want a refund, cancel the order", False),
        ("send a cancel request", False),
        ("return and refund", False),
    ],
)
def test_a_request_is_withdrawn_only_when_named(text: str, meant: bool) -> None:
    assert withdraws_request(text) is meant


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("cancel", True),
        ("plz cancel", True),
        ("can i cancel this", True),
        ("cancelar", True),
        # Escapes that cancel nothing, and a request rather than the order.
        ("stop", False),
        ("never mind", False),
        ("menu", False),
        ("cancel the return", False),
    ],
)
def test_cancel_alone_means_an_order(text: str, meant: bool) -> None:
    assert cancels(text) is meant


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("cancel", True),
        ("cancel it", True),
        ("yes, cancel my order", True),
        ("sí", True),
        ("quiero cancelarlo", True),
        ("ok then cancel everything", True),
        ("cancélalo todo", True),
        ("no", False),
        ("keep it", False),
        ("No, keep the order", False),
        ("keep the order", False),
        ("keep", False),
        ("i'll keep it", False),
        ("conservar el pedido", False),
        ("Yes, cancel the order", True),
        ("Sí, cancelar el pedido", True),
        ("don't cancel", False),
        ("no, cancel nothing", False),
        ("stop", False),
        ("me lo quedo", False),
        ("maybe later", None),
        ("no, cancel it", None),  # a no and a yes: asked again, not guessed
        ("yes keep it", False),  # the No button's words, said yes to
        ("what happens to my money if I say yes?", None),
    ],
)
def test_the_cancel_question_reads_cancel_as_yes(text: str, answer: bool | None) -> None:
    assert cancel_answer(text) is answer


@pytest.mark.parametrize(
    "text",
    [
        "nevermind dont cancel",
        "never mind, don't cancel!",
        "no dont cancel it",
        "please do not cancel order 576100000000000003",
        "i dont want to cancel anymore",
        "i no longer want it cancelled",
        "actually i want to keep my order",
        "cancel my cancellation request",
        "withdraw the cancellation request",
        "ya no quiero cancelarlo",
        "mejor no lo canceles",
        "quiero conservar mi pedido",
        "cancela la solicitud de cancelación",  # found in the demo: no return to withdraw
    ],
)
def test_not_cancelling_is_read_as_keeping_the_order(text: str) -> None:
    assert keeps_the_order(text)
    assert not withdraws_request(text)  # no return or refund request is meant
    assert not cancels_the_order(text)  # at the proof step: not a cancel to carry
    assert cancel_answer(text) is False  # at the cancel question: a no


@pytest.mark.parametrize(
    "text",
    [
        "cancel my order",
        "dont cancel my return",  # a return request's, not the order's
        "dont cancel the mug, cancel the rest",  # a change, not a keep
        "why did you cancel my order",
        "keep it",  # the cancel question's own No, read there (not everywhere)
    ],
)
def test_other_words_about_cancelling_are_not_keeping_the_order(text: str) -> None:
    assert not keeps_the_order(text)
