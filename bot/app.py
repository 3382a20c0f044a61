"""Composition root: settings → engine → unit of work → services → chat core → channel.

This is the only place that reads `Settings`; everything below gets plain values.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock, SystemClock
from bot.config import Settings
from storage.db import create_engine, session_factory
from storage.uow import UnitOfWorkFactory, make_uow_factory

if TYPE_CHECKING:
    # Only for annotations: a command imports what it uses when it uses it, so that
    # `run_bot.py shop show` does not pay for LangChain, the channels or the index.
    from aiohttp.web import RouteDef
    from langchain_core.language_models import BaseChatModel
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.channels.base import TelegramChannel
    from bot.marketplace.tiktok.setup import TikTokService
    from bot.services.container import Services
    from bot.services.desk import StaffDirectory
    from bot.services.gateways import PaymentGateway
    from bot.services.inbox import UpdateInbox
    from bot.services.knowledge import KnowledgeBase
    from bot.services.links import LinkSigner
    from bot.services.marketplace_claims import MarketplaceClaims
    from bot.services.orders import OrderService
    from bot.services.outbox import Deliver, OutboxWorker
    from bot.services.sellers import SellerService
    from bot.web.server import HttpServer
    from bot.web.telegram import WebhookConfig
    from bot.workers import WorkerRole
    from handlers.core import ChatCore, Context

log = logging.getLogger(__name__)

_LINK_KEY = "link_secret"
_WEBHOOK_KEY = "webhook_secret"


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)
    _tiktok: TikTokService | None = field(default=None, init=False, repr=False)
    _tiktok_built: bool = field(default=False, init=False, repr=False)

    @classmethod
    async def create(
        cls, settings: Settings, *, clock: Clock | None = None, migrate: bool = True
    ) -> App:
        engine = create_engine(settings.database_url)
        if migrate and not await schema_is_current(engine):
            from storage.migrate import upgrade

            # The bot upgrades its schema on start so a new version never runs on an
            # old database; Alembic's version table makes this a no-op when current.
            await upgrade(engine)
        return cls(
            settings=settings,
            engine=engine,
            uow=make_uow_factory(session_factory(engine)),
            clock=clock or SystemClock(),
        )

    async def link_secret(self) -> bytes:
        """LINK_SECRET, else derived from the bot token, else a random key kept in the
        database (so demo links survive restarts without any configuration)."""
        if self.settings.link_secret:
            return self.settings.link_secret.get_secret_value().encode()
        if self.settings.bot_token:
            token = self.settings.bot_token.get_secret_value().encode()
            return hashlib.sha256(b"deep-links|" + token).digest()
        async with self.uow() as uow:
            stored = await uow.key_values.get(_LINK_KEY)
            if stored is None:
                stored = secrets.token_hex(32)
                uow.key_values.set(_LINK_KEY, stored)
                await uow.commit()
        return bytes.fromhex(stored)

    async def webhook_secret(self) -> str:
        """WEBHOOK_SECRET, else a random one generated once and kept in the database, so
        that every worker (and every restart) gives Telegram and checks the same.  A
        webhook never runs without one."""
        if self.settings.webhook_secret:
            return self.settings.webhook_secret.get_secret_value()
        for _ in range(2):
            async with self.uow() as uow:
                stored = await uow.key_values.get(_WEBHOOK_KEY)
                if stored is not None:
                    return stored
                # token_urlsafe: A-Z a-z 0-9 _ - only, as Telegram requires; 43 chars
                stored = secrets.token_urlsafe(32)
                uow.key_values.set(_WEBHOOK_KEY, stored)
                try:
                    await uow.commit()
                except IntegrityError:
                    continue  # another worker stored one first: use theirs
            log.info("webhook secret generated and stored in the database")
            return stored
        raise RuntimeError("could not store a webhook secret")

    @property
    def understanding_cache(self) -> Path:
        """The intent model's weights, next to the policy index."""
        return self.settings.knowledge_index.parent / "understanding-model.json"

    def inbox(self) -> UpdateInbox:
        from bot.channels.telegram import CHANNEL
        from bot.services.inbox import UpdateInbox

        return UpdateInbox(self.uow, self.clock, CHANNEL)

    async def knowledge(self) -> KnowledgeBase:
        """The policy index: the stored one if the files did not change, else rebuilt."""
        from bot.services.knowledge import knowledge_root, load_or_index

        root = knowledge_root(self.settings.knowledge_dir)
        return await asyncio.to_thread(
            load_or_index,
            root,
            self.settings.knowledge_index,
            semantic=self.settings.policy_embeddings,
        )

    def chat_model(self) -> BaseChatModel | None:
        """LLM_MODEL through LangChain's init_chat_model; None (offline answers) when
        unset, or when the model's package or credentials are missing (said in the log)."""
        name = self.settings.llm_model
        if not name:
            return None
        try:
            from langchain.chat_models import init_chat_model

            return init_chat_model(name, temperature=0)
        except Exception as exc:
            log.error(
                "LLM_MODEL unusable; answering offline",
                extra={"model": name, "error": type(exc).__name__, "detail": str(exc)[:200]},
            )
            return None

    async def link_signer(self) -> LinkSigner:
        from bot.services.links import LinkSigner

        return LinkSigner(await self.link_secret())

    async def orders(self) -> OrderService:
        """The order service alone, for commands that need nothing else (`order-link`)."""
        from bot.services.orders import OrderService

        return OrderService(self.uow, self.clock, await self.link_signer())

    async def sellers(self) -> SellerService:
        """The seller service alone, for `seller invite|list|remove`."""
        from bot.services.sellers import SellerService

        return SellerService(self.uow, self.clock, await self.link_signer())

    async def services(self) -> Services:
        """Everything the chat needs: the policy index, the understanding model and,
        when LLM_MODEL is set, the chat model.  Only `run`, `demo` and `ask` build it."""
        from bot.services.answers import AnswerService
        from bot.services.cancellations import CancellationService
        from bot.services.container import Services
        from bot.services.desk import StaffDirectory
        from bot.services.insights import InsightService
        from bot.services.orders import OrderService
        from bot.services.returns import ReturnService
        from bot.services.seller_claims import SellerClaimService
        from bot.services.sellers import SellerService
        from bot.services.stats import StatsService
        from bot.services.tickets import TicketService
        from bot.services.understanding import UnderstandingService
        from storage.media import MediaStore

        signer = await self.link_signer()
        media = MediaStore(self.settings.media_dir)
        orders = OrderService(self.uow, self.clock, signer)
        returns = ReturnService(self.uow, self.clock, media)
        chat_model = self.chat_model()
        answers = AnswerService(
            self.uow, self.clock, await self.knowledge(), orders, returns, chat_model
        )
        from bot.services.marketplace import AfterSales
        from bot.services.marketplace_decisions import MarketplaceDecisions
        from bot.services.order_ratings import OrderRatingService

        after_sales: dict[str, AfterSales] = {}  # marketplace connectors, when configured
        tiktok = self.tiktok()
        if tiktok is not None:
            after_sales[tiktok.connector.marketplace] = tiktok.connector
        return Services(
            clock=self.clock,
            orders=orders,
            returns=returns,
            answers=answers,
            sellers=SellerService(self.uow, self.clock, signer),
            seller_claims=SellerClaimService(self.uow, self.clock, media),
            cancellations=CancellationService(self.uow, self.clock),
            stats=StatsService(self.uow, self.clock),
            insights=InsightService(self.uow, self.clock),
            ratings=OrderRatingService(self.uow, self.clock),
            tickets=TicketService(self.uow, self.clock, media),
            staff=StaffDirectory(self.settings.staff_chat_id, self.clock),
            understanding=await UnderstandingService.create(self.understanding_cache, chat_model),
            marketplace=MarketplaceDecisions(self.uow, self.clock, after_sales),
            after_sales=after_sales,
        )

    def chat_core(self, services: Services) -> ChatCore:
        from handlers.cards import screen
        from handlers.core import ChatCore
        from handlers.routing import build_router
        from handlers.staff import on_staff_chat

        return ChatCore(
            self.uow,
            self.clock,
            build_router(),
            services,
            on_wrong_chat=(
                _wrong_chat
                if self.settings.staff_chat_id is not None
                else _wrong_chat_while_no_staff_group
            ),
            staff_chat_id=self.settings.staff_chat_id,
            on_staff_chat=on_staff_chat,
            screen=screen,
        )

    async def refund_gateway(self) -> PaymentGateway:
        """Per shop and per refund: an HTTP gateway while the shop has
        `refund_webhook_url` and `refund_webhook_secret` in its settings, else
        record-only (the shop pays out); read when each refund is paid, so `shop set`
        applies without a restart."""
        from bot.services.gateways import RecordOnlyGateway, ShopGateways

        return ShopGateways(self.uow, RecordOnlyGateway())

    def outbox_worker(self, deliver: Deliver) -> OutboxWorker:
        from bot.services.outbox import OutboxWorker

        return OutboxWorker(self.uow, self.clock, deliver)

    def connector_routes(self) -> list[RouteDef]:
        """Routes a marketplace connector serves on the bot's HTTP server (its push
        hook, an OAuth callback); the server runs, even while polling, when there are
        any: TikTok Shop's `POST /hooks/tiktok` and `GET /tiktok/callback` when it is
        configured."""
        service = self.tiktok()
        return service.routes() if service is not None else []

    def tiktok(self) -> TikTokService | None:
        """The TikTok Shop side (connector, periodic task, routes), built once; None
        without TIKTOK_APP_KEY / TIKTOK_APP_SECRET.  Its connector is the `AfterSales`
        port for TikTok claims (in `services().after_sales`), and TikTok's returns and
        cancellations go to the core's marketplace claims."""
        if not self._tiktok_built:
            from bot.marketplace.tiktok.setup import tiktok_service

            self._tiktok = tiktok_service(self, claims=self._marketplace_claims)
            self._tiktok_built = True
        return self._tiktok

    def _marketplace_claims(self) -> MarketplaceClaims:
        from bot.services.marketplace_claims import MarketplaceClaims
        from storage.media import MediaStore

        return MarketplaceClaims(self.uow, self.clock, MediaStore(self.settings.media_dir))

    async def database_up(self) -> bool:
        """For `GET /health`: whether the database answers a trivial query."""
        from storage.db import ping

        return await ping(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()


_REVISION = re.compile(r"""^(down_)?revision\b[^=]*=\s*(?:['"]([^'"]+)['"]|None)""", re.M)


def declared_head() -> str | None:
    """The newest migration's revision, read from the migration files' text: the one
    revision no other migration names as its `down_revision`.  None when that is not
    one clear answer (a branch, a file written another way): then Alembic decides."""
    import storage

    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (Path(storage.__file__).parent / "migrations" / "versions").glob("*.py"):
        found = dict.fromkeys(("", "down_"), "")
        for match in _REVISION.finditer(path.read_text(encoding="utf-8")):
            found[match[1] or ""] = match[2] or ""
        if found[""]:
            revisions.add(found[""])
            parents.add(found["down_"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def stored_revision(engine: AsyncEngine) -> str | None:
    """The revision recorded in Alembic's version table, read with one query (no
    Alembic import).  None for a new database (no table yet) or an empty table."""
    from sqlalchemy import text

    try:
        async with engine.connect() as connection:
            query = text("SELECT version_num FROM alembic_version")
            stored = (await connection.execute(query)).all()
    except Exception:  # no such table: a new database
        return None
    return stored[0][0] if len(stored) == 1 else None


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database is at the newest migration, checked without loading
    Alembic (a third of a one-shot command's start): one query and a look at the
    migration files.  Anything unclear (no version table yet, an older or a newer
    revision) says False, and Alembic's upgrade runs and decides."""
    head = declared_head()
    return head is not None and await stored_revision(engine) == head


async def _wrong_chat(ctx: Context) -> None:
    # In groups we only answer people who address the bot with a command.
    if ctx.inbound.command is not None:
        ctx.reply(ctx.t("common.not_private"))


async def _wrong_chat_while_no_staff_group(ctx: Context) -> None:
    """Before STAFF_CHAT_ID is set, `/chatid` in a supergroup is the shop owner setting
    up the staff group (README, "What support staff can do"): they are told the group's
    id to set, which Telegram's apps show nowhere, and what the group needs.  Any other
    command (a buyer in a fans' group) gets the usual line alone."""
    if ctx.inbound.command == "chatid" and ctx.inbound.chat_kind == "supergroup":
        ctx.reply(ctx.t("common.staff_group_id", chat_id=ctx.chat_id))
        return
    await _wrong_chat(ctx)


async def resolve_bot_username(settings: Settings) -> str | None:
    """BOT_USERNAME, or ask Telegram (getMe) when only the token is set."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if settings.bot_token is None:
        return None
    from bot.channels.aiogram_channel import make_bot

    bot = make_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url)
    try:
        return (await bot.get_me()).username
    finally:
        await bot.session.close()


async def run_bot(app: App, role: WorkerRole | None = None) -> None:
    """Run with the configured framework until cancelled (as one of several worker
    processes when `role` says so: `bot.workers`)."""
    settings = app.settings
    assert settings.bot_token is not None
    runner = await BotRunner.create(
        app,
        token=settings.bot_token.get_secret_value(),
        api_url=settings.telegram_api_url,
        role=role,
    )
    await runner.run()


class BotRunner:
    """A channel's polling loop plus the outbox worker, started and stopped together."""

    def __init__(
        self,
        app: App,
        channel: TelegramChannel,
        staff: StaffDirectory,
        role: WorkerRole | None = None,
    ) -> None:
        from bot.services.deadlines import DeadlineJob
        from bot.services.delivery_care import DeliveryCareJob
        from bot.services.order_ratings import RatingAskJob
        from bot.services.tickets import SlaWatch
        from bot.workers import SINGLE

        self.app = app
        self.role = role or SINGLE
        self.channel = channel
        self.staff = staff
        self.worker = app.outbox_worker(channel.deliver)
        channel.outbox = self.worker  # replies are stored, then sent at once through it
        self.deadlines = DeadlineJob(app.uow, app.clock)
        self.delivery_care = DeliveryCareJob(app.uow, app.clock)
        self.rating_asks = RatingAskJob(app.uow, app.clock)
        self.sla = SlaWatch(app.uow, app.clock)
        self.inbox = channel.inbox or app.inbox()
        self.http: HttpServer | None = None  # when something is served over HTTP
        self._tasks: list[asyncio.Task[None]] = []
        self.tiktok: TikTokService | None = None

    @classmethod
    async def create(
        cls,
        app: App,
        *,
        token: str,
        api_url: str | None,
        framework: str | None = None,
        role: WorkerRole | None = None,
    ) -> BotRunner:
        services = await app.services()
        core = app.chat_core(services)
        username = app.settings.bot_username
        inbox = app.inbox()  # every update is stored before Telegram is told it arrived
        channel: TelegramChannel
        if (framework or app.settings.bot_framework) == "ptb":
            from bot.channels.ptb_channel import PtbChannel, make_application

            channel = PtbChannel(
                make_application(token, api_url), core, bot_username=username, inbox=inbox
            )
        else:
            from bot.channels.aiogram_channel import AiogramChannel, make_bot

            channel = AiogramChannel(
                make_bot(token, api_url), core, bot_username=username, inbox=inbox
            )
        return cls(app, channel, services.staff, role)

    async def start(self) -> None:
        from bot.services.refunds import RefundService

        await self.channel.setup()
        await self.channel.check_staff_chat(self.staff)
        self.refunds = RefundService(self.app.uow, self.app.clock, await self.app.refund_gateway())
        _freeze_startup_heap()
        self._tasks = [
            asyncio.create_task(self.worker.run_forever(), name="outbox"),
            asyncio.create_task(self.deadlines.run_forever(), name="deadlines"),
            asyncio.create_task(self.delivery_care.run_forever(), name="delivery-care"),
            asyncio.create_task(self.rating_asks.run_forever(), name="rating-asks"),
            asyncio.create_task(self.refunds.run_forever(), name="refunds"),
            asyncio.create_task(self.sla.run_forever(), name="ticket-sla"),
            asyncio.create_task(self.inbox.run_forever(), name="inbox-pruning"),
            *await self._receiving(),
        ]
        # TikTok Shop (only with TIKTOK_APP_KEY/SECRET): token refresh and sync; its
        # routes are served through `App.connector_routes`.
        self.tiktok = self.app.tiktok()
        if self.tiktok is not None:
            self._tasks += self.tiktok.tasks()
        log.info("bot started", extra={"username": self.channel.bot_username})

    async def _receiving(self) -> list[asyncio.Task[None]]:
        """Webhook mode: the HTTP server, with Telegram's route.  Polling: the polling
        loop, plus the HTTP server when a shop set a hook secret or a connector
        brings routes (otherwise nothing listens)."""
        from bot.services.hook_auth import any_hook_secret
        from bot.web.hooks import hook_routes
        from bot.web.server import HttpServer
        from bot.web.telegram import WebhookConfig, telegram_route

        settings = self.app.settings
        hook = None
        if settings.webhook_url:
            hook = WebhookConfig(settings.webhook_url, await self.app.webhook_secret())
        extra = self.app.connector_routes()
        if hook is None and not extra and not await any_hook_secret(self.app.uow):
            return [asyncio.create_task(self.channel.run_polling(), name="updates")]
        self.http = HttpServer(
            settings.http_host,
            self.role.port(settings.http_port),
            health=self.app.database_up,
            reuse_port=self.role.reuse_port,
        )
        hooks = hook_routes(self.app.uow, self.app.clock)
        self.http.add_routes([*hooks, *extra])
        if hook is None:
            return [
                asyncio.create_task(self.channel.run_polling(), name="updates"),
                asyncio.create_task(self._serve(self.http, None), name="http"),
            ]
        self.http.add_routes([telegram_route(hook, self.channel.receive)])
        return [asyncio.create_task(self._serve(self.http, hook), name="updates")]

    async def _serve(self, http: HttpServer, hook: WebhookConfig | None) -> None:
        """Serve until cancelled; in webhook mode, first handle what the last run left
        stored, then listen, then tell Telegram where to POST.  Of several workers,
        worker 0 alone does the first and the last (once every worker listens)."""
        from bot.workers import max_connections

        role = self.role
        if hook is not None and role.leader:
            await self.channel.replay_pending(received_before=role.started_at)
        await http.start()
        try:
            if hook is not None:
                everyone = await role.wait_for_all_listening()
                if not everyone:
                    log.warning("not every worker listens yet; setting the webhook anyway")
                if role.leader:
                    connections = max_connections(self.app.settings, role.count)
                    await self.channel.set_webhook(hook.url, hook.secret, connections)
                    log.info(
                        "webhook set",
                        extra={"workers": role.count, "max_connections": connections},
                    )
            await asyncio.Event().wait()
        finally:
            await http.stop()

    async def run(self) -> None:
        await self.start()
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.stop()

    async def stop(self) -> None:
        # Stop receiving first, then let updates being handled finish (the channel
        # waits a moment), then the background jobs.
        for task in self._tasks:
            if task.get_name() in ("updates", "http"):
                task.cancel()
        await self.channel.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.worker.drain()
        if self.tiktok is not None:
            await self.tiktok.close()
        await self.channel.close()


def _freeze_startup_heap() -> None:
    """Move everything built so far (the intent model, the policy index, SQLAlchemy's
    mappers, the libraries' modules) out of the garbage collector's sight.

    They live as long as the process, yet every full collection walked all of them:
    in the status-flow benchmark that was about a third of the CPU an update cost.
    Objects created from here on are collected as usual.  Once per process (tests
    start many runners)."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
