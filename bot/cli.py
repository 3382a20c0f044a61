"""Command line: `python run_bot.py COMMAND`.

Each command builds the app from settings (the composition root), does one thing and
exits with 0 on success, 1 when the input was refused, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from pydantic import ValidationError

    # Each command imports what it uses, when it runs: `--help` and the database
    # commands start without SQLAlchemy's models, LangChain, the index or the channels.
    from bot.app import App
    from bot.config import Settings
    from bot.services.links import IssuedLink
    from storage.importers.writer import OrderChange
    from storage.uow import UnitOfWork

log = logging.getLogger("bot.cli")

Command = Callable[[argparse.Namespace, "Settings"], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_bot.py",
        description="Buyer-support bot: order status, returns, refunds and staff handoff.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="database schema (Alembic migrations)")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations (the bot also does this on start)")
    db_sub.add_parser("current", help="show the schema revision of the database")

    imp = sub.add_parser("import-orders", help="import orders from a CSV, JSON or JSON Lines file")
    imp.add_argument("file", type=Path, help="orders file (.csv, .json or .jsonl)")
    imp.add_argument(
        "--shop",
        default=None,
        help="shop code (created if missing); may be left out while there is at most one "
        "shop (none yet: a shop called 'default' is created)",
    )

    run = sub.add_parser("run", help="run the bot (long polling or webhook; needs BOT_TOKEN)")
    run.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (webhook mode on PostgreSQL; default HTTP_WORKERS, 1)",
    )
    run.add_argument(
        "--port-per-worker",
        action="store_true",
        help="worker i listens on HTTP_PORT + i (for a proxy) instead of all sharing HTTP_PORT",
    )
    sub.add_parser("demo", help="chat with the real bot offline, in this terminal")

    link = sub.add_parser("order-link", help="print a deep link that links an order at once")
    link.add_argument("order", help="order number")
    link.add_argument("--shop", default=None, help="shop code, when numbers repeat across shops")

    seller = sub.add_parser("seller", help="manage a shop's sellers")
    seller_sub = seller.add_subparsers(dest="seller_command", metavar="ACTION", required=True)
    invite = seller_sub.add_parser("invite", help="print a one-time link that registers a seller")
    invite.add_argument("shop", help="shop code")
    listing = seller_sub.add_parser("list", help="list the sellers of a shop")
    listing.add_argument("shop", help="shop code")
    remove = seller_sub.add_parser("remove", help="remove a seller from a shop")
    remove.add_argument("shop", help="shop code")
    remove.add_argument("user", type=int, help="the seller's Telegram user id (from `list`)")

    shop = sub.add_parser("shop", help="show or change a shop's windows and rules")
    shop_sub = shop.add_subparsers(dest="shop_command", metavar="ACTION", required=True)
    show = shop_sub.add_parser("show", help="print the shop's settings (defaults included)")
    show.add_argument("shop", help="shop code")
    setting = shop_sub.add_parser("set", help="change one setting (empty value = default)")
    setting.add_argument("shop", help="shop code")
    setting.add_argument("key", help="e.g. seller_response_hours, auto_approve_refund_below")
    setting.add_argument("value", help="the new value")

    catalog = sub.add_parser("catalog", help="the message catalogs (handlers/locales)")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    catalog_sub.add_parser(
        "check", help="compare every language with English: keys, parameters, tags, plurals"
    )

    kb = sub.add_parser("kb", help="the shop policies' search index")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="ACTION", required=True)
    kb_sub.add_parser("reindex", help="rebuild the index from KNOWLEDGE_DIR's Markdown files")

    ask = sub.add_parser("ask", help="ask the answer engine a question, as a buyer would")
    ask.add_argument("question", help="the buyer's message")
    ask.add_argument("--shop", default=None, help="shop code whose policies apply")
    ask.add_argument("--buyer", type=int, default=None, help="Telegram user id of a buyer")
    ask.add_argument("--json", action="store_true", help="print JSON")

    insights = sub.add_parser(
        "insights", help="a shop's returns, ratings, support load and demand forecast"
    )
    insights.add_argument("shop", help="shop code")
    insights.add_argument("--days", type=int, default=30, help="period: 7, 30 or 90 (default 30)")
    insights.add_argument("--json", action="store_true", help="print JSON only")

    demo_data = sub.add_parser("demo-data", help="fill the database with demo shops and orders")
    demo_data.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo_data.add_argument(
        "--orders", type=int, default=240, help="how many current orders (default 240)"
    )

    tiktok = sub.add_parser("tiktok", help="connect a shop to TikTok Shop and sync it")
    tiktok_sub = tiktok.add_subparsers(dest="tiktok_command", metavar="ACTION", required=True)
    connect = tiktok_sub.add_parser("connect", help="print the authorisation URL, or use a code")
    connect.add_argument("shop", help="shop code")
    connect.add_argument(
        "--code", default=None, help="the code TikTok returned, or the whole redirect URL"
    )
    tiktok_sync = tiktok_sub.add_parser("sync", help="fetch orders and returns updated since")
    tiktok_sync.add_argument("shop", help="shop code")
    tiktok_sync.add_argument("--since", default=None, help="date (default: the last sync)")
    tiktok_status = tiktok_sub.add_parser("status", help="show the shop's TikTok connection")
    tiktok_status.add_argument("shop", help="shop code")
    return parser


def plural(count: int, key: str) -> str:
    """`count` with the noun of the catalog's plural table `cli2.<key>`."""
    from handlers.catalog import Catalog

    return Catalog().plain(f"cli2.{key}", count=count)


async def _open_app(settings: Settings, *, migrate: bool = True) -> App:
    from bot.app import App

    return await App.create(settings, migrate=migrate)


async def _shop_codes(app: App) -> list[str]:
    async with app.uow(readonly=True) as uow:
        return sorted(shop.code for shop in await uow.shops.all())


def _no_shop(code: str, codes: list[str]) -> str:
    known = ", ".join(codes) if codes else "none yet (import-orders or demo-data creates one)"
    return f"error: no shop with code {code}; shops: {known}"


async def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import declared_head, stored_revision

    app = await _open_app(settings, migrate=args.db_command == "upgrade")
    try:
        revision = await stored_revision(app.engine)
        head = declared_head()
        if head is None:  # the migration files do not name one head: ask Alembic
            from storage.migrate import head_revision

            head = head_revision()
        state = "up to date" if revision == head else f"behind (head is {head})"
        print(f"database schema: {revision or 'empty'} ({state})")
    finally:
        await app.close()
    return 0


async def _import_orders(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.notifications import notify_order_change
    from bot.services.order_import import import_orders_file, unexpected_problem

    if not args.file.is_file():
        _print_escaped(f"error: no such file: {args.file}", sys.stderr)
        return 1
    try:
        app = await _open_app(settings)
        codes = await _shop_codes(app)
    except Exception as exc:  # e.g. the database is unreachable: say so, no traceback
        problem = unexpected_problem(exc, "opening the database")
        _print_escaped(f"Refused {args.file.name}: {problem.message}", sys.stderr)
        return 1
    shop = args.shop
    if shop is None:
        if len(codes) > 1:  # guessing would put the orders into the wrong shop
            await app.close()
            _print_escaped(
                f"error: say which shop the orders belong to with --shop; shops: "
                f"{', '.join(codes)}",
                sys.stderr,
            )
            return 2
        shop = codes[0] if codes else "default"
    elif shop not in codes:
        from bot.services.shops import new_shop_code_problem

        refused = new_shop_code_problem(shop)
        if refused is not None:  # a typo or a display name: nothing is created
            await app.close()
            _print_escaped(f"error: {refused}", sys.stderr)
            return 2

    async def tell_buyers(uow: UnitOfWork, change: OrderChange) -> None:
        # Stored in the import's transaction; the running bot's outbox sends them.
        await notify_order_change(uow, change, app.clock.now())

    try:
        report = await import_orders_file(
            app.uow, args.file, shop, app.clock, on_change=tell_buyers
        )
    except Exception as exc:
        # The service turns its own failures into problems; this is the last line:
        # one line without the error's text (it may quote emails and phones), exit 1.
        # Nothing is written: the import's transaction was never committed.
        problem = unexpected_problem(exc, "importing")
        _print_escaped(f"Refused {args.file.name}: {problem.message}", sys.stderr)
        return 1
    finally:
        await app.close()
    _print_escaped(str(report), sys.stdout if report.ok else sys.stderr)
    if report.ok and report.shop_code not in codes:
        _print_escaped(
            f"created shop {report.shop_code!r}: see its settings with "
            f"python run_bot.py shop show {report.shop_code}; buyers see its name,"
            f" {report.shop_code!r} for now: python run_bot.py shop set"
            f' {report.shop_code} name "Your Shop Name"',
            sys.stdout,
        )
    return 0 if report.ok else 1


def _print_escaped(text: str, stream: TextIO) -> None:
    """Print text that may quote the file's contents or name: what the terminal's
    encoding cannot show (lone surrogates, bytes of a non-UTF-8 file name) is escaped
    instead of raising UnicodeEncodeError."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"), file=stream)


async def _demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.demo import load_demo_data

    app = await _open_app(settings)
    try:
        summary = await load_demo_data(app.uow, app.clock, seed=args.seed, count=args.orders)
    finally:
        await app.close()
    print(summary)
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import run_bot
    from bot.workers import refusal, run_workers

    if settings.bot_token is None:
        print(
            "error: BOT_TOKEN is not set. Put it in .env (see .env.example), "
            "or try the offline demo: python run_bot.py demo",
            file=sys.stderr,
        )
        return 2
    workers = args.workers if args.workers is not None else settings.http_workers
    if workers < 1:
        print("error: --workers takes a number of processes, 1 or more", file=sys.stderr)
        return 2
    problem = refusal(settings, workers)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    with _single_process(settings) as refused:
        if refused is not None:
            print(refused, file=sys.stderr)
            return 1
        app = await _open_app(settings)  # migrated once, before any worker starts
        if workers > 1:
            await app.close()
            per_port = args.port_per_worker or settings.http_port_per_worker
            return await run_workers(settings, workers, port_per_worker=per_port)
        try:
            await run_bot(app)
        finally:
            await app.close()
    return 0


@contextlib.contextmanager
def _single_process(settings: Settings) -> Iterator[str | None]:
    """On SQLite, hold the database's process lock while the bot runs; yields why not
    (another bot process holds it) or None."""
    from storage.process_lock import AlreadyRunning, ProcessLock, sqlite_file

    database = sqlite_file(settings.database_url)
    if database is None:
        yield None
        return
    try:
        lock = ProcessLock.acquire(database)
    except AlreadyRunning as exc:
        who = f" (pid {exc.pid})" if exc.pid else ""
        yield (
            f"error: another bot process{who} is running on the SQLite database {database}. "
            "SQLite serves one bot process: stop the other one first, or use PostgreSQL "
            "(DATABASE_URL=postgresql+asyncpg://...) to run several workers."
        )
        return
    try:
        yield None
    finally:
        if lock is not None:
            lock.release()


def when(link: IssuedLink) -> str:
    """A link's expiry in UTC, and in the shop's timezone when that is another."""
    utc = f"{link.expires_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if link.timezone in ("UTC", "Etc/UTC"):
        return utc
    try:
        local = link.expires_at.astimezone(ZoneInfo(link.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return utc
    return f"{utc} ({local:%Y-%m-%d %H:%M} {link.timezone})"


async def _order_link(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import resolve_bot_username
    from bot.services.links import deep_link

    app = await _open_app(settings)
    try:
        if args.shop is not None and args.shop not in (codes := await _shop_codes(app)):
            print(_no_shop(args.shop, codes), file=sys.stderr)
            return 1
        service = await app.orders()
        orders = await service.find_for_link(args.order, args.shop)
        if len(orders) != 1:
            problem = "no order" if not orders else "several orders (use --shop)"
            print(f"error: {problem} with number {args.order}", file=sys.stderr)
            return 1
        username = await resolve_bot_username(settings)
        if username is None:
            print("error: set BOT_USERNAME (or BOT_TOKEN) to build the link", file=sys.stderr)
            return 2
        link = await service.order_link(orders[0])
        print(deep_link(username, link.token))
        who = (
            "the first Telegram account that opens it"
            if link.uses == 1
            else f"the first {link.uses} Telegram accounts that open it"
        )
        # On stderr, so that a script taking the link from stdout gets the link alone.
        print(f"valid until {when(link)}; it links the order for {who}", file=sys.stderr)
        print(
            _buyer_message(args.order, deep_link(username, link.token), when(link), link.proof),
            file=sys.stderr,
        )
    finally:
        await app.close()
    return 0


def _buyer_message(number: str, url: str, until: str, proof: str) -> str:
    """A message the seller pastes into their message to the buyer (the marketplace's
    chat, where TikTok Shop hides the buyer's contact and the link is how they reach
    the bot).  What it offers once the link no longer works is what proves this order
    in the chat: the postcode only where the marketplace hid the contact."""
    otherwise = {
        "postcode": "send our bot the order number and your delivery postcode.",
        "contact": "send our bot the order number and the email or phone number you ordered with.",
    }.get(proof, "ask us for a new one.")
    return (
        "\nMessage for the buyer (paste it into your message to them, e.g. TikTok Shop's"
        " chat):\n"
        f"Hi! To follow order {number}, ask about it or request a return in Telegram, open"
        f" this link: {url} (it works until {until}). If it no longer works, {otherwise}"
    )


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import not_a_demo_database, run_demo
    from bot.logging import setup_logging

    if "log_level" not in settings.model_fields_set:  # keep the console chat readable
        setup_logging("WARNING", "text")

    with _single_process(settings) as refused:
        if refused is not None:
            print(refused, file=sys.stderr)
            return 1
        app = await _open_app(settings)
        try:
            refusal = await not_a_demo_database(app)
            if refusal is not None:
                print(refusal, file=sys.stderr)
                return 1
            return await run_demo(app)
        finally:
            await app.close()


async def _seller(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import resolve_bot_username
    from bot.domain.errors import ShopNotFound
    from bot.services.links import deep_link

    app = await _open_app(settings)
    try:
        codes = await _shop_codes(app)
        if args.shop not in codes:  # before anything else: a typo is the likeliest problem
            print(_no_shop(args.shop, codes), file=sys.stderr)
            return 1
        sellers = await app.sellers()
        if args.seller_command == "invite":
            username = await resolve_bot_username(settings)
            if username is None:
                print("error: set BOT_USERNAME (or BOT_TOKEN) to build the link", file=sys.stderr)
                return 2
            link = await sellers.issue_invite(args.shop)
            print(deep_link(username, link.token))
            print(f"valid until {when(link)}; it works once", file=sys.stderr)
        elif args.seller_command == "list":
            entries = await sellers.sellers(args.shop)
            for e in entries:
                handle = f"@{e.username}" if e.username else ""
                print(f"{e.external_id}\t{e.first_name or ''} {handle}\tsince {e.since:%Y-%m-%d}")
            if not entries:
                hint = f"invite one with: python run_bot.py seller invite {args.shop}"
                print(f"shop {args.shop} has no sellers yet; {hint}")
        elif not await sellers.remove(args.shop, args.user):
            print(f"error: {args.user} is not a seller of {args.shop}", file=sys.stderr)
            return 1
        else:
            print(f"removed {args.user} from {args.shop}")
    except ShopNotFound:  # removed meanwhile
        print(_no_shop(args.shop, await _shop_codes(app)), file=sys.stderr)
        return 1
    finally:
        await app.close()
    return 0


async def _shop(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.errors import ShopNotFound
    from bot.services.shops import HOOK_SECRET_KEYS, BadSetting, ShopAdmin

    app = await _open_app(settings)
    admin = ShopAdmin(app.uow)
    try:
        if args.shop_command == "set":
            await admin.set(args.shop, args.key, args.value)
        for key, value in (await admin.show(args.shop)).items():
            print(f"{key} = {value}")
        if args.shop_command == "set" and args.key in HOOK_SECRET_KEYS and args.value:
            # Read per request, but whether the HTTP server runs at all while polling
            # is decided when the bot starts (bot.app BotRunner._receiving).
            print(
                "note: a bot started in long-polling mode before any shop set a hook secret"
                " has no HTTP server for the hooks: restart it once (webhook mode, or a"
                " shop's hook secret set before it started, needs nothing)",
                file=sys.stderr,
            )
    except ShopNotFound:
        print(_no_shop(args.shop, await _shop_codes(app)), file=sys.stderr)
        return 1
    except BadSetting as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    return 0


async def _catalog(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 1 with one line per problem when a language's catalog differs from
    English's (see handlers.catalog_check); 0 and a summary line when none does."""
    from handlers.catalog import available_languages
    from handlers.catalog_check import check

    problems = check()
    for problem in problems:
        print(problem)
    languages = ", ".join(available_languages())
    if problems:
        print(f"problems in the catalogs ({languages}): {len(problems)}", file=sys.stderr)
        return 1
    print(f"catalogs agree: {languages}")
    return 0


async def _kb(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.knowledge import knowledge_root, knowledge_warnings, reindex

    root = knowledge_root(settings.knowledge_dir)
    if not root.is_dir():
        print(f"error: no knowledge folder at {root}", file=sys.stderr)
        return 1
    kb = await asyncio.to_thread(
        reindex, root, settings.knowledge_index, semantic=settings.policy_embeddings
    )
    sections = plural(len(kb.chunks), "sections")
    print(f"indexed {sections} of {plural(len(kb.shops), 'shop_folders')} from {root}")
    print(f"index: {settings.knowledge_index}")
    # The bot reads the index when it starts (bot.app App.knowledge), not while it runs.
    print("a running bot answers from the policies it started with: restart it to use these")
    app = await _open_app(settings)
    try:
        codes = await _shop_codes(app)
    finally:
        await app.close()
    for warning in await asyncio.to_thread(knowledge_warnings, root, codes):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _print_reading(understood: dict[str, Any], engine: str) -> None:
    alternatives = ", ".join(
        f"{a['intent']} {a['probability']:.2f}" for a in understood["alternatives"]
    )
    print(f"intent:     {understood['intent']}")
    print(
        f"model:      {understood['intent']} (probability {understood['probability']:.2f}, "
        f"{understood['sureness']}; then {alternatives}; read {engine})"
    )
    slots = ", ".join(f"{k}={v}" for k, v in understood["slots"].items()) or "none"
    print(f"slots:      {slots}")


async def _ask(args: argparse.Namespace, settings: Settings) -> int:
    """What the chat would do with a buyer's message: the reading (intent, probability,
    slots) and the action `bot.services.routing.plan` chooses for it, the same as the
    chat's; for a question, the answer from the policies (or the model)."""
    import json

    from bot.channels.telegram import CHANNEL
    from bot.services.routing import DESCRIPTIONS, Action, plan

    if not args.question.strip():  # the chat never gets an empty message to read
        print(
            'error: give the buyer\'s message, e.g. ask "how long does delivery take?"',
            file=sys.stderr,
        )
        return 2
    app = await _open_app(settings)
    try:
        if args.shop is not None:
            # A shop of the database, or a policy folder not (yet) tied to one.
            from bot.services.knowledge import knowledge_root

            root = knowledge_root(settings.knowledge_dir)
            folders = {p.name for p in root.iterdir() if p.is_dir()} if root.is_dir() else set()
            codes = sorted(set(await _shop_codes(app)) | folders)
            if args.shop not in codes:
                print(_no_shop(args.shop, codes), file=sys.stderr)
                return 1
        services = await app.services()
        user_id = None
        if args.buyer is not None:
            async with app.uow(readonly=True) as uow:
                user = await uow.chat_users.get_by_external(CHANNEL, args.buyer)
            if user is None:
                print(f"error: no chat user with Telegram id {args.buyer}", file=sys.stderr)
                return 1
            user_id = user.id
        reading, engine = await services.understanding.read_traced(args.question)
        planned = plan(reading, args.question)
        answer = (
            await services.answers.answer(args.question, user_id=user_id, shop=args.shop)
            if planned.action is Action.ANSWER
            else None
        )
    finally:
        await app.close()
    understood = reading.as_dict()
    result: dict[str, Any] = {
        "intent": reading.intent,
        "probability": understood["probability"],
        "sure": reading.sure,
        "slots": understood["slots"],
        "read_by": engine,
        "action": planned.action.value,
        "order_number": planned.order_number,
        "understanding": understood,
    }
    if planned.choices:
        result["choices"] = list(planned.choices)
    if answer is None:  # the chat starts a flow, asks, or replies without a policy
        result["flow"] = DESCRIPTIONS[planned.action]
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return 0
        _print_reading(understood, engine)
        print(f"action:     {planned.action.value}: {result['flow']}")
        if planned.choices:
            print(f"choices:    {', '.join(planned.choices)}")
        return 0
    result |= {
        "answer": answer.text,
        "sources": [{"id": s.id, "title": s.title} for s in answer.sources],
        # The sections the chat offers as buttons under an answer it is not sure of.
        "offered": [{"id": s.id, "title": s.title} for s in answer.offered],
        "confidence": round(answer.confidence, 3),
        "sureness": answer.sureness,
        "engine": answer.engine,
        "handoffs": [list(h) for h in answer.handoffs],
        "language": answer.asked,
        "policy_language": answer.language,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    _print_reading(understood, engine)
    print("action:     answer: from the shop's policies")
    print(f"engine:     {answer.engine} ({answer.sureness}, confidence {result['confidence']})")
    note = f", only available in {answer.only_in}" if answer.only_in else ""
    print(f"language:   {answer.asked} (policy in {answer.language}{note})")
    for source in answer.sources:
        print(f"source:     {source.title} [{source.id}]")
    for source in answer.offered:
        print(f"offered:    {source.title} [{source.id}] (a button)")
    print()
    print(answer.text or "(no answer: the bot would say it is not sure and offer a person)")
    return 0


async def _tiktok(args: argparse.Namespace, settings: Settings) -> int:
    from bot.marketplace.tiktok.cli import run

    app = await _open_app(settings)
    try:
        codes = await _shop_codes(app)
        if args.tiktok_command == "connect" and args.shop not in codes and app.tiktok():
            # A shop that sells on TikTok only has no orders to import first: connecting
            # creates it, as an import does.
            from bot.services.shops import ShopAdmin, new_shop_code_problem

            refused = new_shop_code_problem(args.shop)
            if refused is not None:
                print(f"error: {refused}", file=sys.stderr)
                return 2
            await ShopAdmin(app.uow).create(args.shop, app.clock.now())
            print(
                f"created shop {args.shop!r}: see its settings with python run_bot.py shop"
                f" show {args.shop}; buyers see its name, {args.shop!r} for now: python"
                f' run_bot.py shop set {args.shop} name "Your Shop Name"',
                file=sys.stderr,
            )
        result = await run(args, app)
        if result == -1:
            print(_no_shop(args.shop, await _shop_codes(app)), file=sys.stderr)
            return 1
        return result
    finally:
        await app.close()


async def _insights(args: argparse.Namespace, settings: Settings) -> int:
    """What `/insights` shows a seller, for the shop's owner: the same text without its
    HTML, or (`--json`) the figures as JSON alone on stdout."""
    import html
    import json
    import re

    from bot.domain.errors import ShopNotFound
    from bot.services.insights import PERIODS, InsightService, as_json
    from handlers.catalog import Catalog
    from handlers.seller.insights import insight_text

    if args.days not in PERIODS:
        periods = ", ".join(str(d) for d in PERIODS)
        print(f"error: --days must be one of {periods}", file=sys.stderr)
        return 2
    app = await _open_app(settings)
    try:
        insights = await InsightService(app.uow, app.clock).for_shop(args.shop, args.days)
    except ShopNotFound:
        print(_no_shop(args.shop, await _shop_codes(app)), file=sys.stderr)
        return 1
    finally:
        await app.close()
    if args.json:
        print(json.dumps(as_json(insights), ensure_ascii=False, indent=2))
    else:
        text = insight_text(Catalog(), insights, limit=10**9)  # a terminal has no limit
        print(html.unescape(re.sub(r"<[^>]+>", "", text)))
    return 0


COMMANDS: dict[str, Command] = {
    "insights": _insights,
    "kb": _kb,
    "catalog": _catalog,
    "ask": _ask,
    "shop": _shop,
    "seller": _seller,
    "run": _run,
    "demo": _demo,
    "order-link": _order_link,
    "db": _db,
    "import-orders": _import_orders,
    "demo-data": _demo_data,
    "tiktok": _tiktok,
}


def cli_log_level(command: str, settings: Settings) -> str:
    """The bot (`run`) logs at LOG_LEVEL; a one-shot command only says what went wrong
    (warnings and errors, on stderr), so its own output is not broken up by log lines,
    unless LOG_LEVEL (environment or .env) asks for more."""
    if command == "run" or "log_level" in settings.model_fields_set:
        return settings.log_level
    return "WARNING"


def configuration_errors(exc: ValidationError) -> str:
    """One line per wrong setting, by the name the owner wrote (`STAFF_CHAT_ID`), not
    pydantic's report: that names the field in lower case, links to pydantic's docs
    and repeats the value, which may be a token or a secret."""
    lines = ["configuration error (environment or .env):"]
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"  {name}: {message}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from pydantic import ValidationError

    from bot.config import Settings
    from bot.logging import setup_logging

    try:
        settings = Settings()
    except ValidationError as exc:
        print(configuration_errors(exc), file=sys.stderr)
        return 2
    setup_logging(cli_log_level(args.command, settings), settings.log_format)
    try:
        return asyncio.run(COMMANDS[args.command](args, settings))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `shop show acme | head -3`: the reader closed early, which is no error worth
        # a traceback; stdout is pointed at nothing so closing it cannot raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
