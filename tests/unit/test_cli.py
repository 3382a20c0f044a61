"""`python run_bot.py …` as a shop owner types it: `main` in this process (its output
captured), on the test database; the start-up imports in a process of their own."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.shops import setting_keys
from storage.db import create_engine
from tests.conftest import empty_tables

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "examples" / "orders.csv"
HEAVY = ("langchain", "langchain_core", "sklearn", "PIL", "aiogram", "telegram")


@pytest.fixture
def cli(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    asyncio.run(_empty(database_url))  # main() runs its own event loop: a sync fixture
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KNOWLEDGE_INDEX", str(tmp_path / "index.json"))
    for name in ("LOG_LEVEL", "BOT_USERNAME", "BOT_TOKEN", "LLM_MODEL", "KNOWLEDGE_DIR"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield monkeypatch
    root.handlers[:], root.level = handlers, level  # main() set up its own logging


async def _empty(database_url: str) -> None:
    engine = create_engine(database_url)
    await empty_tables(engine)
    await engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ start-up


def _modules_after(code: str, database_url: str, tmp_path: Path) -> set[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("LLM_MODEL", None)
    script = (
        "import sys, json, contextlib, io\n"
        f"{code}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_and_help_load_nothing_heavy(database_url: str, tmp_path: Path) -> None:
    loaded = _modules_after(
        "import bot.cli\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    bot.cli.main(['--help'])",
        database_url,
        tmp_path,
    )
    assert not loaded & {*HEAVY, "sqlalchemy", "alembic"}, loaded & {*HEAVY, "sqlalchemy"}


@pytest.mark.parametrize(
    "argv",
    [
        ["shop", "show", "nosuch"],
        ["seller", "list", "nosuch"],
        ["order-link", "1"],
        ["db", "current"],
    ],
)
def test_database_commands_do_not_load_the_chat(
    argv: list[str], database_url: str, tmp_path: Path
) -> None:
    loaded = _modules_after(
        "import bot.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()),"
        " contextlib.redirect_stderr(io.StringIO()):\n"
        f"    bot.cli.main({argv!r})",
        database_url,
        tmp_path,
    )
    assert "sqlalchemy" in loaded  # it did reach the database
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    # The schema is current, so Alembic is not even imported (`db current` reads the
    # version table itself); nor is the HTTP client, which only a refund call needs.
    assert not loaded & {"alembic", "aiohttp"}, loaded & {"alembic", "aiohttp"}


async def test_the_quick_schema_check_agrees_with_alembic(
    database_url: str, tmp_path: Path
) -> None:
    from bot.app import declared_head, schema_is_current
    from storage.db import create_engine
    from storage.migrate import head_revision, upgrade

    assert declared_head() == head_revision()
    current = create_engine(database_url)
    empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        assert await schema_is_current(current)
        assert not await schema_is_current(empty)  # no version table: Alembic runs
        await upgrade(empty, "0001")
        assert not await schema_is_current(empty)  # behind
    finally:
        await current.dispose()
        await empty.dispose()


# ------------------------------------------------------------------ shop settings


def test_shop_show_lists_every_setting_and_the_error_names_them_all(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    assert code == 0, err

    code, out, err = run(capsys, "shop", "show", "acme")
    assert code == 0, err
    shown = dict(line.split(" = ", 1) for line in out.splitlines())
    for key in setting_keys():
        assert key in shown, key
    for key in ("business_hours", "first_response_minutes", "staff_signature", "timezone"):
        assert key in setting_keys()
    assert shown["business_hours"] == "24/7" and shown["staff_signature"] == "staff"
    assert shown["refund_webhook_url"] == "(unset)"

    code, out, err = run(capsys, "shop", "set", "acme", "refund_webhook_secret", "s" * 20)
    assert code == 0, err
    assert "refund_webhook_secret = (set)" in out and "s" * 20 not in out

    code, out, err = run(capsys, "shop", "set", "acme", "no_such_key", "1")
    assert code == 1
    for key in setting_keys():
        assert key in err, key
    assert "seller_chat_ids" in err and "timezone" in err


# ------------------------------------------------------------------ shops named on the command line


def test_seller_invite_for_an_unknown_shop_says_so_before_the_username(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    code, out, err = run(capsys, "seller", "invite", "nosuch")
    assert code == 1
    assert "no shop with code nosuch; shops: acme" in err and "BOT_USERNAME" not in err

    code, out, err = run(capsys, "seller", "invite", "acme")
    assert code == 2 and "BOT_USERNAME" in err  # the shop is fine: now the username

    cli.setenv("BOT_USERNAME", "acme_help_bot")
    code, out, err = run(capsys, "seller", "invite", "acme")
    assert code == 0, err
    assert out.startswith("https://t.me/acme_help_bot?start=")

    code, out, err = run(capsys, "order-link", "MP-10231", "--shop", "nosuch")
    assert code == 1 and "no shop with code nosuch; shops: acme" in err


def test_import_without_shop_says_which_shop_and_refuses_to_guess(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import-orders", str(ORDERS))
    assert code == 0, err
    assert "into shop 'default'" in out and "created shop 'default'" in out

    code, out, err = run(capsys, "import-orders", str(ORDERS))  # the only shop: used again
    assert code == 0, err
    assert "into shop 'default'" in out and "created shop" not in out

    code, out, err = run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    assert code == 0 and "created shop 'acme'" in out

    code, out, err = run(capsys, "import-orders", str(ORDERS))
    assert code == 2
    assert "--shop" in err and "acme, default" in err


def test_import_counts_read_as_english(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    assert code == 0, err
    assert ": 9 orders in" in out and "(s)" not in out
    # Half an order (one of its two items): refused, with one problem.
    half = tmp_path / "half.csv"
    half.write_text("\n".join(ORDERS.read_text().splitlines()[:2]) + "\n")
    code, out, err = run(capsys, "import-orders", str(half), "--shop", "acme")
    assert code == 1
    assert err.startswith("Refused half.csv: 1 problem; nothing was imported.")


def test_ask_refuses_an_empty_message(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "ask", "  ")
    assert code == 2 and out == "" and "give the buyer's message" in err


def test_ask_refuses_an_unknown_shop(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    code, out, err = run(capsys, "ask", "how long does delivery take?", "--shop", "nosuchshop")
    assert code == 1 and out == ""
    assert "no shop with code nosuchshop; shops: acme" in err


def test_ask_says_what_the_chat_would_do_with_a_message(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], model_weights: Path
) -> None:
    """`ask` for messages a policy does not answer (its process of its own, and policy
    answers, are tests/e2e/test_ask_command.py)."""
    # A flow intent says what the chat would do instead of quoting a policy.
    code, out, err = run(capsys, "ask", "where is my parcel?")
    assert code == 0, err
    assert "intent:     track_order" in out and "order card" in out
    assert "action:     order_card" in out

    # An order number in the message is the slot the flow uses.
    code, out, err = run(capsys, "ask", "cancel 578000000000000001", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["intent"], result["action"]) == ("cancel_order", "cancel")
    assert result["slots"] == {"order_number": "578000000000000001"}
    assert result["order_number"] == "578000000000000001" and "answer" not in result

    # A buyer the bot has never seen is refused clearly, not with a traceback.
    code, out, err = run(capsys, "ask", "hi", "--buyer", "987654")
    assert code == 1 and "no chat user with Telegram id 987654" in err

    # A word with no request in it is not answered as sure by the model.
    code, out, err = run(capsys, "ask", "because")
    assert code == 0, err
    assert "model:" in out and "unsure" in out and "slots:      none" in out
    assert "action:     rephrase" in out and "engine:" not in out  # no policy quoted
    for word in ("although", "price"):
        code, out, err = run(capsys, "ask", word, "--json")
        assert code == 0, err
        result = json.loads(out)
        assert result["sure"] is False and result["action"] in ("clarify", "rephrase")


# ------------------------------------------------------------------ logging


def test_one_shot_commands_print_no_log_lines_unless_asked(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "import-orders", str(ORDERS), "--shop", "acme")  # the folder's shop
    (tmp_path / "kb" / "acme").mkdir(parents=True)
    (tmp_path / "kb" / "acme" / "hours.md").write_text("# Hours\n## Loft\nOpen 7 to 9.\n")
    cli.setenv("KNOWLEDGE_DIR", str(tmp_path / "kb"))

    code, out, err = run(capsys, "kb", "reindex")
    assert code == 0, err
    assert out.startswith("indexed 1 section of 1 shop folder from")
    assert err == ""  # the index's INFO line is not shown

    cli.setenv("LOG_LEVEL", "INFO")
    code, out, err = run(capsys, "kb", "reindex")
    assert code == 0
    assert '"event": "knowledge base indexed"' in err and '"event"' not in out


def test_order_link_gives_a_message_to_paste_into_the_marketplace_chat(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    cli.setenv("BOT_USERNAME", "acme_help_bot")
    code, out, err = run(capsys, "order-link", "MP-10231")
    assert code == 0, err
    url = out.strip()
    assert url.startswith("https://t.me/acme_help_bot?start=")  # stdout: the link alone
    assert "paste it into your message to them, e.g. TikTok Shop's chat" in err
    assert "order MP-10231" in err and url in err
    # The order has the buyer's email: that proves it, not a postcode it does not have.
    assert "the email or phone number you ordered with" in err and "postcode" not in err


def test_order_link_offers_the_postcode_only_where_it_proves_the_order(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    header, *rows = ORDERS.read_text().splitlines()
    (one_item,) = [row for row in rows if row.startswith("MP-10234,")]
    masked = tmp_path / "masked.csv"
    masked.write_text(
        "\n".join(
            [
                header + ",postal_code,contact_masked",
                one_item.replace("MP-10234", "TT-1") + ",98101,true",
                one_item.replace("MP-10234", "TT-2") + ",,true",
            ]
        )
        + "\n"
    )
    code, _, err = run(capsys, "import-orders", str(masked), "--shop", "acme")
    assert code == 0, err
    cli.setenv("BOT_USERNAME", "acme_help_bot")
    code, _, err = run(capsys, "order-link", "TT-1")
    assert code == 0, err
    assert "send our bot the order number and your delivery postcode." in err
    code, _, err = run(capsys, "order-link", "TT-2")  # masked, no postcode: none
    assert code == 0, err
    assert "If it no longer works, ask us for a new one." in err and "postcode" not in err


# ------------------------------------------------------------------ insights (issue 17)


def test_insights_prints_the_sellers_text_or_json_only(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "demo-data")
    assert code == 0, err

    code, out, err = run(capsys, "insights", "harbor-home", "--days", "7")
    assert code == 0, err
    assert out.startswith("🔎 Harbor & Home · insight, last 7 days\n")  # no HTML left
    assert "<b>" not in out and "&amp;" not in out
    for heading in ("Returns by product", "Ratings by product", "Support per week", "Demand"):
        assert heading in out
    assert "Forecast: ~" in out and "Busiest days ahead:" in out

    code, out, err = run(capsys, "insights", "harbor-home", "--json")
    assert code == 0, err
    data = json.loads(out)  # stdout is the JSON and nothing else
    assert data["shop"] == "harbor-home" and data["days"] == 30
    demand = data["demand"]
    assert len(demand["forecast"]) == 28 and demand["history_days"] == len(demand["history"])
    assert demand["backtest"]["naive"] == "same as last week"
    assert {"mae", "wape", "naive_mae", "naive_wape"} <= set(demand["backtest"])
    assert [e["days"] for e in data["expected"]] == [14, 28]


def test_insights_refuses_an_unknown_shop_and_a_bad_period(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    code, out, err = run(capsys, "insights", "nosuch")
    assert code == 1 and out == ""
    assert "no shop with code nosuch; shops: acme" in err
    code, out, err = run(capsys, "insights", "acme", "--days", "12")
    assert code == 2 and out == ""
    assert "7, 30, 90" in err


def test_a_wrong_setting_is_named_as_the_owner_wrote_it_without_its_value(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.setenv("STAFF_CHAT_ID", "my-staff-group")
    cli.setenv("WEBHOOK_SECRET", "has spaces and a secret word")
    code, out, err = run(capsys, "shop", "show", "acme")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == "configuration error (environment or .env):"
    assert lines[1].startswith("  STAFF_CHAT_ID: Input should be a valid integer")
    assert lines[2].startswith("  WEBHOOK_SECRET: WEBHOOK_SECRET must be 1 to 256 characters")
    assert len(lines) == 3
    assert "secret word" not in err and "my-staff-group" not in err and "pydantic" not in err


def test_the_demo_on_a_shops_own_orders_says_to_use_a_database_of_its_own(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shop owner imports their orders first, then tries `demo` on the same
    database: it used to stop with a traceback (the demo's seller joined a demo shop
    that was never loaded).  Now it says what to do and adds nothing."""
    code, out, err = run(capsys, "import-orders", str(ORDERS), "--shop", "maple-pine")
    assert code == 0, err
    code, out, err = run(capsys, "demo")
    assert code == 1 and out == ""
    assert "Traceback" not in err
    assert "holds the orders of other shops (maple-pine), not the demo's" in err
    assert "DATABASE_URL=sqlite+aiosqlite:///data/demo.db python run_bot.py demo" in err
    code, out, err = run(capsys, "shop", "show", "harbor-home")
    assert code == 1 and "shops: maple-pine" in err  # no demo shop was added


def test_output_read_only_in_part_ends_quietly(database_url: str, tmp_path: Path) -> None:
    """`run_bot.py shop show acme | head -1`: the reader closing the pipe early is no
    traceback."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    for name in ("LOG_LEVEL", "LLM_MODEL", "KNOWLEDGE_DIR"):
        env.pop(name, None)
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: the first write fails with EPIPE
    with os.fdopen(writer, "wb") as closed:
        done = subprocess.run(
            [sys.executable, str(ROOT / "run_bot.py"), "catalog", "check"],
            cwd=tmp_path,
            env=env,
            stdout=closed,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert done.returncode == 141, done.stderr
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr


def test_kb_reindex_warns_of_policies_no_buyer_would_read(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A shop owner's own policy folder: files beside the shop folders, a file without
    `##` sections and a folder named after no shop are each said once; the folder
    that is right is indexed without a word."""
    run(capsys, "import-orders", str(ORDERS), "--shop", "maple-pine")
    kb = tmp_path / "kb"
    (kb / "maple-pine").mkdir(parents=True)
    (kb / "maple-pine" / "policies.md").write_text("# Ours\n\n## Returns\n\nWithin 30 days.\n")
    (kb / "maple-pine" / "notes.md").write_text("# Notes\n\nJust text, no sections.\n")
    (kb / "maple_pine").mkdir()
    (kb / "maple_pine" / "shipping.md").write_text("## Shipping\n\nTwo days.\n")
    (kb / "faq.md").write_text("## Gift wrap\n\nYes.\n")
    (kb / "README.md").write_text("What this folder is.\n")
    cli.setenv("KNOWLEDGE_DIR", str(kb))
    cli.setenv("POLICY_EMBEDDINGS", "off")
    code, out, err = run(capsys, "kb", "reindex")
    assert code == 0, err
    assert out.startswith("indexed 2 sections of 2 shop folders")
    assert "a running bot answers from the policies it started with: restart it" in out
    assert err.splitlines() == [
        f"warning: faq.md in {kb} itself is not read: a shop's policies go in a folder named"
        f" after its code ({kb}/SHOP/), those for every other shop in {kb}/default/",
        "warning: maple-pine/notes.md has no ## section with text, so nothing in it is"
        " searched: each ## heading starts a section, its text below it",
        "warning: folder maple_pine/ is named after no shop in the database (shops:"
        " maple-pine), so no buyer reads it; name it after the shop's code",
    ]


def test_a_new_shops_code_must_fit_commands_urls_and_folders(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--shop "Maple & Pine"` (the shop's name, not a code) used to create a shop whose
    code needs quoting in every command and breaks its hook URL and policy folder."""
    code, out, err = run(capsys, "import-orders", str(ORDERS), "--shop", "Maple & Pine")
    assert code == 2 and out == ""
    assert "'Maple & Pine' can't be a new shop's code" in err
    assert "(e.g. maple-pine)" in err and "shop set SHOP name" in err
    code, out, err = run(capsys, "shop", "show", "Maple & Pine")
    assert code == 1 and "shops: none yet" in err  # nothing was created

    code, out, err = run(capsys, "import-orders", str(ORDERS), "--shop", "maple-pine")
    assert code == 0 and "created shop 'maple-pine'" in out
    assert 'shop set maple-pine name "Your Shop Name"' in out


def test_setting_a_hook_secret_says_when_the_bot_must_restart(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import-orders", str(ORDERS), "--shop", "acme")
    code, out, err = run(capsys, "shop", "set", "acme", "order_webhook_secret", "s" * 32)
    assert code == 0 and "order_webhook_secret = (set)" in out
    assert err.startswith("note: a bot started in long-polling mode before any shop set")
    code, out, err = run(capsys, "shop", "set", "acme", "timezone", "Europe/Berlin")
    assert code == 0 and err == ""
