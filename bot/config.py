"""One typed settings object, read from the environment and `.env`.

Nothing here is computed at import time: `Settings()` is built once by the
composition root (`bot.app`) and handed to whatever needs a value.  Services never
read settings themselves; they get plain values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    # env_ignore_empty: `STAFF_CHAT_ID=` (as in .env.example, copied as it is) means
    # unset, not a value: an empty id would be refused and an empty KNOWLEDGE_DIR would
    # read as the current folder.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    # Telegram
    bot_token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather. Unset: only `demo` can run."
    )
    telegram_api_url: str | None = Field(
        default=None,
        description="Base URL of a self-hosted Bot API server (or the local emulator).",
    )
    bot_framework: Literal["aiogram", "ptb"] = Field(
        default="aiogram", description="Which Telegram library drives the bot."
    )
    bot_username: str | None = Field(
        default=None, description="Bot username for deep links; asked from getMe when unset."
    )

    # Storage
    database_url: str = Field(
        default="sqlite+aiosqlite:///data/bot.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///... or postgresql+asyncpg://...",
    )
    media_dir: Path = Field(default=Path("data/media"), description="Where claim photos live.")

    # People
    staff_chat_id: int | None = Field(
        default=None, description="Supergroup (with topics) whose members are support staff."
    )

    # Answers
    llm_model: str | None = Field(
        default=None,
        description="LangChain model id such as openai:gpt-4o-mini; unset = offline answers.",
    )
    knowledge_dir: Path | None = Field(
        default=None,
        description="Folder of shop policy Markdown files; unset = the bundled sample policies.",
    )
    policy_embeddings: bool = Field(
        default=True,
        description="Search the policies by meaning too (a small offline sentence model); "
        "off = by words alone.",
    )
    knowledge_index: Path = Field(
        default=Path("data/knowledge-index.json"),
        description="Where the policy search index is kept (rebuilt when the files change).",
    )

    # Webhook (polling is used when webhook_url is unset)
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL for updates.")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret token Telegram sends in X-Telegram-Bot-Api-Secret-Token; unset = "
        "generated once and kept in the database (every worker uses the same).",
    )
    # The one HTTP server: Telegram's webhook, the shops' signed hooks, /health.
    http_host: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("http_host", "webhook_host"),
        description="Address the HTTP server binds (HTTP_HOST, or the older WEBHOOK_HOST): "
        "local only, behind a reverse proxy that ends TLS; 0.0.0.0 (all interfaces) only "
        "when chosen.",
    )
    http_port: int = Field(
        default=8080,
        validation_alias=AliasChoices("http_port", "webhook_port"),
        description="Port the HTTP server binds (HTTP_PORT, or the older WEBHOOK_PORT).",
    )
    # Several processes (webhook mode on PostgreSQL only: bot.workers says why).
    http_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes in webhook mode (`run --workers N` overrides); they "
        "share HTTP_PORT (SO_REUSEPORT) unless HTTP_PORT_PER_WORKER is set.",
    )
    http_port_per_worker: bool = Field(
        default=False,
        description="Worker i listens on HTTP_PORT + i, for a reverse proxy that spreads "
        "the requests itself, instead of every worker sharing HTTP_PORT.",
    )
    webhook_max_connections: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="Telegram's max_connections for the webhook; unset = 40 per worker, at "
        "most 100 (Telegram's own default is 40 for one server).",
    )

    # Security and operations
    link_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs order deep links and seller invites; unset = derived "
        "from BOT_TOKEN, or a per-database random key for the offline demo.",
    )
    log_level: str = Field(default="INFO", description="Logging level.")
    log_format: Literal["json", "text"] = Field(default="json", description="Log line format.")

    # TikTok Shop (unset app key/secret: no TikTok connector)
    tiktok_app_key: str | None = Field(default=None, description="TikTok Shop app key.")
    tiktok_app_secret: SecretStr | None = Field(
        default=None, description="TikTok Shop app secret (signs API calls, checks webhooks)."
    )
    tiktok_api_url: str = Field(
        default="https://open-api.tiktokglobalshop.com",
        description="TikTok Shop Open API base URL.",
    )
    tiktok_auth_url: str = Field(
        default="https://auth.tiktok-shops.com",
        description="TikTok Shop token host (token get/refresh; not signed with `sign`).",
    )
    tiktok_authorize_url: str = Field(
        default="https://services.tiktokshop.com/open/authorize",
        description="The page where a seller authorises the app.",
    )
    tiktok_service_id: str | None = Field(
        default=None, description="The app's service id on TikTok Shop's authorisation page."
    )
    tiktok_sync_minutes: int = Field(
        default=15, ge=1, description="Minutes between TikTok syncs (missed webhooks, tokens)."
    )

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() == "":
            return None  # `WEBHOOK_SECRET=` as in .env.example: unset
        # Telegram's own rule for secret_token; refused here rather than by setWebhook.
        if value is not None and not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError(
                "WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
                "(or leave it unset to have one generated)"
            )
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("tiktok_app_key", "tiktok_app_secret", "tiktok_service_id", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # `TIKTOK_APP_KEY=` as in .env.example

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
