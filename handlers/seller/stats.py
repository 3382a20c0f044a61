"""`/stats [7|30]`: a shop's returns and refunds at a glance, as text plus a chart.

The text carries buttons to switch period (`st:<shop_id>:<days>`) and, for a seller of
several shops, to pick another shop (`stp:<days>`).  Button data is only a request:
`StatsService` re-checks that this chat user sells for the shop on every press.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from bot.domain.errors import NotAllowed
from bot.domain.money import format_money
from bot.services.charts import render_claims_chart
from bot.services.sellers import ShopRef
from bot.services.stats import PERIODS, ChooseShop, ShopStats
from bot.understanding.seller_steps import period_in_words
from handlers.buttons import parse_int
from handlers.buyer.views import format_date
from handlers.catalog import Catalog
from handlers.core import Context, Router, int_arg
from handlers.fit import BUTTON, Field, Piece, cut, fit, line
from handlers.formatting import duration as human_duration
from handlers.formatting import format_when
from handlers.seller import shop_choice
from handlers.types import Button, Keyboard, PhotoRef, SendPhotos

router = Router()

DEFAULT_DAYS = PERIODS[0]
PICK = "pick.stats"  # "Which shop's figures?": a shop typed (see shop_choice)
MAX_SHOP_BUTTONS = 20
# PhotoRef sends stored files by path, so a chart is written to disk first.  Files are
# named by content hash (the same chart is written once) and swept after a day: long
# after the channel has uploaded them, which happens right after the handler returns.
CHART_DIR = Path(tempfile.gettempdir()) / "bot-charts"
CHART_TTL_SECONDS = 24 * 3600


# ------------------------------------------------------------------ rendering


def duration(catalog: Catalog, value: timedelta | None) -> str:
    """A median wait in words, to the minute at most ("3 hours 20 minutes"): seconds
    would be false precision for a figure that moves with every claim."""
    if value is None:
        return catalog.plain("stats.no_value")
    return human_duration(catalog, value)


def percent(fraction: Decimal) -> str:
    """0.5833 → "58.3%" (Decimal all the way: no float rounding surprises)."""
    value = (fraction * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def summary_text(catalog: Catalog, stats: ShopStats) -> str:
    t, p = catalog.t, catalog.plain
    rate = p("stats.no_value") if stats.return_rate is None else percent(stats.return_rate)
    refunds = (
        ", ".join(
            format_money(total, currency, catalog.language) for currency, total in stats.refunds
        )
        if stats.refunds
        else format_money(Decimal(0), stats.currency, catalog.language)
    )
    lines: list[Piece] = [
        line(
            catalog,
            "stats.summary",
            shop=Field(stats.shop.name),
            days=stats.days,
            start=format_date(
                stats.start, zone=stats.shop.timezone, show_zone=False, language=catalog.language
            ),
            end=format_when(
                stats.end, stats.shop.timezone, show_zone=True, language=catalog.language
            ),
            orders=stats.orders_placed,
            delivered=stats.orders_delivered,
            claims=stats.claims_created,
            rate=rate,
            response=duration(catalog, stats.median_response),
            responses=stats.responses,
            refunds=refunds,
            refund_count=stats.refund_count,
        )
    ]
    if stats.by_status:
        lines += ["", t("stats.by_status")]
        lines += [
            t("stats.line", label=p(f"stats.status.{status.value}"), count=count)
            for status, count in stats.by_status
        ]
    if stats.by_reason:
        lines += ["", t("stats.by_reason")]
        lines += [
            t("stats.line", label=_reason(catalog, reason), count=count)
            for reason, count in stats.by_reason
        ]
    if stats.top_products:
        lines += ["", t("stats.top_products")]
        lines += [
            line(catalog, "stats.product", rank=rank, name=Field(item.name), quantity=item.quantity)
            for rank, item in enumerate(stats.top_products, start=1)
        ]
    if not stats.claims_created:
        lines += ["", t("stats.no_claims")]
    lines += ["", *rating_lines(catalog, stats)]
    return fit(*lines, notice=t("fit.notice_plain"))


def rating_lines(catalog: Catalog, stats: ShopStats) -> list[Piece]:
    """Ratings after delivery in the period: how many, their average, and per product
    (lowest average first: what to look at)."""
    figure = stats.ratings
    if not figure.count or figure.average is None:
        return [catalog.t("rating_stats.none")]
    pieces: list[Piece] = [
        catalog.t("rating_stats.summary", count=figure.count, average=figure.average)
    ]
    if stats.product_ratings:
        pieces.append(catalog.t("rating_stats.by_product"))
        pieces += [
            line(
                catalog,
                "rating_stats.product",
                rank=rank,
                name=Field(item.name),
                average=item.average,
                count=item.count,
            )
            for rank, item in enumerate(stats.product_ratings, start=1)
        ]
    return pieces


def _reason(catalog: Catalog, reason: str) -> str:
    key = f"claim_reason.{reason}"
    return catalog.plain(key) if catalog.has(key) else reason


def stats_keyboard(catalog: Catalog, stats: ShopStats) -> Keyboard:
    p = catalog.plain
    periods = [
        Button(
            p("stats.period_current" if days == stats.days else "stats.period", days=days),
            f"st:{stats.shop.id}:{days}",
        )
        for days in PERIODS
    ]
    other = [Button(p("stats.other_shop"), f"stp:{stats.days}")] if stats.shop_count > 1 else []
    return Keyboard.of(periods, other)


def shops_keyboard(shops: tuple[ShopRef, ...], days: int) -> Keyboard:
    return Keyboard.of(
        *(
            [Button(cut(shop.name, BUTTON), f"st:{shop.id}:{days}")]
            for shop in shops[:MAX_SHOP_BUTTONS]
        )
    )


def write_chart(png: bytes) -> str:
    """Store the chart where PhotoRef(path=...) can send it from; return the path."""
    CHART_DIR.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - CHART_TTL_SECONDS
    for old in CHART_DIR.glob("*.png"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:  # swept by another worker at the same moment
            pass
    path = CHART_DIR / f"{hashlib.sha256(png).hexdigest()}.png"
    # Write aside and rename, so a concurrent sender never reads a half-written file.
    fd, scratch = tempfile.mkstemp(dir=CHART_DIR, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(png)
    os.replace(scratch, path)
    return str(path)


def _chart_file(stats: ShopStats, title: str, language: str) -> str:
    return write_chart(render_claims_chart(stats, title=title, language=language))


# ------------------------------------------------------------------- handlers


def refuse_non_seller(ctx: Context) -> None:
    """What someone who is not a seller of the shop gets for `/stats`, `/insights` or
    their buttons (a pressed button: an alert, nothing else changes)."""
    if ctx.inbound.button is not None:
        ctx.answer(ctx.catalog.plain("seller.only_sellers"), alert=True)
    else:
        ctx.reply(ctx.t("seller.only_sellers"))


async def show(ctx: Context, shop_id: int | None, days: int) -> None:
    """Send the chart, then the figures with the period/shop buttons under them."""
    try:
        stats = await ctx.services.stats.shop_stats(ctx.user.id, shop_id, days)
    except NotAllowed:
        refuse_non_seller(ctx)
        return
    except ChooseShop as exc:
        shop_choice.offer(ctx, PICK, exc.shops[:MAX_SHOP_BUTTONS], days=days)
        ctx.reply(ctx.t("stats.choose_shop"), shops_keyboard(exc.shops, days))
        return
    shop_choice.answered(ctx)
    title = ctx.catalog.plain("stats.chart_title", shop=stats.shop.name, days=stats.days)
    # Drawing and writing the PNG is blocking work; keep it off the event loop.
    path = await asyncio.to_thread(_chart_file, stats, title, ctx.catalog.language)
    ctx.add(SendPhotos(ctx.chat_id, (PhotoRef(path=path),), thread_id=ctx.inbound.thread_id))
    ctx.reply(summary_text(ctx.catalog, stats), stats_keyboard(ctx.catalog, stats))


def parse_period(args: str, periods: tuple[int, ...], default: int) -> int | None:
    """The period a seller asked for (`/stats`, `/insights`): none → `default`; one of
    `periods` (also "7d", "30 days") → that; anything else → None, and the chat shows
    the usage."""
    text = args.strip().lower()
    if not text:
        return default
    for suffix in (" days", "days", "d"):
        text = text.removesuffix(suffix).strip()
    days = parse_int(text, high=max(periods))
    return days if days in periods else None


def parse_days(args: str) -> int | None:
    return parse_period(args, PERIODS, DEFAULT_DAYS)


@router.command("stats")
async def stats_command(ctx: Context) -> None:
    days = parse_days(ctx.inbound.args)
    if days is None:
        ctx.reply(ctx.t("stats.usage", periods=" / ".join(str(d) for d in PERIODS)))
        return
    await show(ctx, None, days)


@router.button("st")
async def stats_button(ctx: Context) -> None:
    shop_id, days = int_arg(ctx.inbound.button or "", 0), int_arg(ctx.inbound.button or "", 1)
    if shop_id is None or days not in PERIODS:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await show(ctx, shop_id, days)


@router.button("stp")
async def pick_shop(ctx: Context) -> None:
    days = int_arg(ctx.inbound.button or "", 0)
    if days is None or days not in PERIODS:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await show(ctx, None, days)


@router.step(PICK, numbers=True)
async def shop_typed(ctx: Context) -> None:
    """A shop, typed; or a period ("last month?", "this week"), which the shop's
    figures will cover: said back, and the shop asked again with buttons for it (found
    in the demo: "I couldn't tell which shop you mean")."""
    days = int(ctx.state.data.get("days", DEFAULT_DAYS))
    text = ctx.inbound.text or ""
    period = period_in_words(text)
    asked = parse_days(period) if period else None
    if asked is not None:
        days = asked
        if shop_choice.typed_shop(text, shop_choice.offered(ctx)) is None:
            ctx.reply(ctx.t("stats.period_noted", days=days))
            await show(ctx, None, days)
            return
    await shop_choice.on_typed(ctx, lambda shop_id: show(ctx, shop_id, days))


@router.prompt(PICK)
async def ask_shop_again(ctx: Context) -> None:
    await show(ctx, None, int(ctx.state.data.get("days", DEFAULT_DAYS)))
