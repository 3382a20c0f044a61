"""Carriers by name: one list for the whole bot, read a little more loosely at the
return-tracking step, where the buyer is telling us how they posted the parcel."""

from __future__ import annotations

import pytest

from bot.understanding.carrier_names import carrier_name, read_tracking_answer
from bot.understanding.slots import carrier


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("sent it with fed ex", "FedEx"),
        ("purolater", "Purolator"),  # a typo on a long name
        ("lo mandé por Correos", "Correos"),
        ("correos de mexico", "Correos de México"),
        ("it went An Post", "An Post"),
        ("Aramex", "Aramex"),
    ],
)
def test_the_step_and_a_free_message_name_the_same_carriers(typed: str, named: str) -> None:
    assert carrier_name(typed) == named
    if typed != "purolater":  # typos are forgiven only where a carrier is expected
        assert carrier(typed) == named


@pytest.mark.parametrize(
    "typed",
    ["I took it to the post office", "priority mail", "el correo de EE. UU.", "us mail"],
)
def test_the_post_office_is_usps_only_at_the_tracking_step(typed: str) -> None:
    assert carrier_name(typed) == "USPS"
    assert carrier(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "it has its ups and downs",
        "the pop-ups on your site",
        "follow ups never came",
        "grown-ups only",
        "me llegan 3 correos de publicidad",
    ],
)
def test_words_that_contain_a_carrier_are_not_one(typed: str) -> None:
    assert carrier(typed) is None


def test_a_carrier_the_bot_cannot_check_is_named_not_refused() -> None:
    answer = read_tracking_answer("Ninja Van")
    assert answer.carrier == "Ninja Van"
    assert answer.number is None


def test_a_ups_number_copied_from_its_label_in_groups_is_recorded() -> None:
    # The label prints "1Z 999 AA1 01 2345 678 4": groups of one digit or none.
    answer = read_tracking_answer("ups 1Z 999 AA1 01 2345 678 4")
    assert (answer.carrier, answer.number, answer.problem) == ("UPS", "1Z999AA10123456784", None)
