"""Settings need no configuration; logs never carry contact details or tokens."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.logging import JsonFormatter, redact


def test_defaults_need_no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("DATABASE_URL", "BOT_TOKEN", "LLM_MODEL", "BOT_FRAMEWORK", "STAFF_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"
    assert settings.bot_framework == "aiogram"
    assert settings.llm_model is None and settings.bot_token is None


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_FRAMEWORK", raising=False)
    monkeypatch.delenv("STAFF_CHAT_ID", raising=False)
    (tmp_path / ".env").write_text("BOT_FRAMEWORK=ptb\nSTAFF_CHAT_ID=-1001234\n")
    settings = Settings()
    assert settings.bot_framework == "ptb"
    assert settings.staff_chat_id == -1001234


def test_example_env_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    names = {
        line.split("=")[0].lstrip("# ").strip() for line in example.splitlines() if "=" in line
    }
    assert {field.upper() for field in Settings.model_fields} <= names


def test_secret_token_is_not_printed() -> None:
    settings = Settings(bot_token="123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    assert "AAHdq" not in repr(settings) and "AAHdq" not in str(settings.model_dump())


@pytest.mark.parametrize(
    "text",
    [
        "buyer wrote jane.doe@example.com",
        "phone +1 (555) 010-4477 on order",
        "GET /bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getUpdates",
    ],
)
def test_redaction_masks_contacts_and_tokens(text: str) -> None:
    masked = redact(text)
    for secret in ("jane.doe", "010-4477", "AAHdq"):
        assert secret not in masked


def test_json_log_lines_are_structured_and_redacted() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("proof failed for %s", "a@example.org", extra={"note": "+15550104477"})
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "warning" and entry["logger"] == "test.redaction"
    assert "a@example.org" not in stream.getvalue() and "5550104477" not in stream.getvalue()


@pytest.mark.parametrize("text", ["1e1", "1E2", "Infinity", "NaN", "1_000", "12,50", "$5", " "])
def test_money_written_oddly_is_refused(text: str) -> None:
    from bot.domain.money import MoneyError, parse_amount

    with pytest.raises(MoneyError):
        parse_amount(text, "USD")


def test_money_written_plainly_is_read_exactly() -> None:
    from decimal import Decimal

    from bot.domain.money import parse_amount

    assert parse_amount(" 19.99 ", "USD") == Decimal("19.99")
    assert parse_amount("1200", "JPY") == Decimal("1200")


def test_the_http_server_listens_on_this_machine_only_unless_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HTTP_HOST", "HTTP_PORT", "WEBHOOK_HOST", "WEBHOOK_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert (Settings().http_host, Settings().http_port) == ("127.0.0.1", 8080)
    monkeypatch.setenv("HTTP_HOST", "0.0.0.0")
    monkeypatch.setenv("HTTP_PORT", "9090")
    assert (Settings().http_host, Settings().http_port) == ("0.0.0.0", 9090)


def test_the_old_webhook_host_and_port_names_still_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HTTP_HOST", "HTTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEBHOOK_HOST", "0.0.0.0")
    monkeypatch.setenv("WEBHOOK_PORT", "8443")
    assert (Settings().http_host, Settings().http_port) == ("0.0.0.0", 8443)
    (tmp_path / ".env").write_text("WEBHOOK_PORT=8444\n")
    monkeypatch.delenv("WEBHOOK_PORT")
    assert Settings().http_port == 8444


@pytest.mark.parametrize("secret", ["has space", "semi;colon", "ключ", "x" * 257])
def test_a_webhook_secret_telegram_would_refuse_is_refused_at_start(secret: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRET must be 1 to 256 characters"):
        Settings(_env_file=None, webhook_secret=secret)  # type: ignore[call-arg]
    assert Settings(_env_file=None, webhook_secret="Ab-9_" * 51).webhook_secret  # type: ignore[call-arg]
    # `WEBHOOK_SECRET=` (as in .env.example) means unset: one is generated
    assert Settings(_env_file=None, webhook_secret="").webhook_secret is None  # type: ignore[call-arg]


def test_the_example_env_copied_as_it_is_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """README: "copy .env.example". Its empty lines (`STAFF_CHAT_ID=`,
    `KNOWLEDGE_DIR=`) mean unset: no refused id, no policies read from the current
    folder."""
    monkeypatch.chdir(tmp_path)
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    example = Path(__file__).resolve().parents[2] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())
    monkeypatch.setenv("LLM_MODEL", "")  # an empty variable in the environment too
    settings = Settings()
    assert settings.staff_chat_id is None
    assert settings.knowledge_dir is None
    assert settings.bot_token is None and settings.bot_username is None
    assert settings.llm_model is None and settings.webhook_url is None
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"
