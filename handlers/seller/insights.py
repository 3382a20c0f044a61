"""`/insights [7|30|90]`: returns, ratings, support load and demand, for sellers.

Sent as a chart (orders per day, the forecast continuing it in a lighter colour) and a
text with buttons to switch period (`ins:<shop_id>:<days>`) and, for a seller of
several shops, to pick another shop (`insp:<days>`), as `/stats` does.  Button data is
only a request: `InsightService` re-checks that this chat user sells for the shop.

The same text, without HTML and with no length limit, is what `run_bot.py insights`
prints.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_skeleton
from babel.numbers import format_decimal

from bot.domain.errors import NotAllowed
from bot.domain.forecast import BACKTEST_DAYS, BACKTEST_MIN_TRAIN, Method
from bot.services.charts import render_demand_chart
from bot.services.insights import (
    DEFAULT_PERIOD,
    PERIODS,
    ChooseShop,
    Demand,
    ProductRating,
    ProductReturns,
    ProductWeek,
    ShopInsights,
)
from bot.services.sellers import ShopRef
from handlers.buttons import ButtonData, Id, Int
from handlers.catalog import Catalog
from handlers.core import Context, Router
from handlers.fit import BUTTON, TEXT, Field, Line, Piece, cut, fit, line, lines
from handlers.formatting import duration
from handlers.seller import shop_choice
from handlers.seller.stats import parse_period, percent, refuse_non_seller, write_chart
from handlers.types import Button, Keyboard, PhotoRef, SendPhotos

router = Router()

SHOW = ButtonData("ins", Id("shop"), Int("days", min(PERIODS), max(PERIODS)))
PICK_SHOP = ButtonData("insp", Int("days", min(PERIODS), max(PERIODS)))
MAX_SHOP_BUTTONS = 20
PICK = "pick.insights"  # "Which shop's insight?": a shop typed (see shop_choice)
SHOWN_RETURNS = 5  # products listed under returns (flagged ones always come first)
SHOWN_RATINGS = 8  # products listed under ratings, the most rated first
CHART_PAST_DAYS = 90  # the chart shows at most this much history before the forecast


# ------------------------------------------------------------------ rendering


def number(value: float, language: str) -> str:
    """A count that is an estimate, to one decimal under 10 and whole above."""
    shown = round(value, 1) if value < 10 else round(value)
    return format_decimal(shown, locale=language)


def day_label(day: date, language: str) -> str:
    return format_skeleton("MMMEd", day, locale=language)


def short_day(day: date, language: str) -> str:
    return format_skeleton("MMMd", day, locale=language)


def _rate(catalog: Catalog, week: ProductWeek) -> str:
    rate = week.rate
    return catalog.plain("insights.no_value") if rate is None else percent(rate)


def _reason(catalog: Catalog, reason: str) -> str:
    key = f"claim_reason.{reason}"
    return catalog.plain(key) if catalog.has(key) else reason


def _advice(catalog: Catalog, reason: str) -> str:
    key = f"insights.advice.{reason}"
    return catalog.plain(key if catalog.has(key) else "insights.advice.other")


def flag_line(catalog: Catalog, product: ProductReturns) -> Line:
    """ "Stoneware Mug: 4 of 31 orders returned this week, 3 “Arrived damaged”: check
    packaging." """
    reason, reason_count = product.top_reason or ("", 0)
    facts = {
        "name": Field(product.name),
        "claims": product.this_week.claims,
        "reason": _reason(catalog, reason),
        "reason_count": reason_count,
        "advice": _advice(catalog, reason),
    }
    if not product.this_week.delivered:  # "3 of 0 orders" would read as a bug
        return line(catalog, "insights.flag_undelivered", **facts)
    return line(catalog, "insights.flag", count=product.this_week.delivered, **facts)


def returns_line(catalog: Catalog, product: ProductReturns) -> Line:
    now, before = product.this_week, product.last_week
    return line(
        catalog,
        "insights.product_returns",
        name=Field(product.name),
        claims=now.claims,
        delivered=now.delivered,
        rate=_rate(catalog, now),
        last_claims=before.claims,
        last_delivered=before.delivered,
        last_rate=_rate(catalog, before),
        period_claims=product.period_claims,
    )


def rating_line(catalog: Catalog, rating: ProductRating, language: str) -> Line:
    none = catalog.plain("insights.no_value")
    change = rating.change
    if change is None:
        trend = ""
    elif change > 0:
        trend = catalog.plain("insights.trend_up", change=format_decimal(change, locale=language))
    elif change < 0:
        trend = catalog.plain(
            "insights.trend_down", change=format_decimal(-change, locale=language)
        )
    else:
        trend = catalog.plain("insights.trend_same")
    return line(
        catalog,
        "insights.rating",
        name=Field(rating.name),
        average=none if rating.average is None else format_decimal(rating.average, locale=language),
        count=rating.count,
        previous=none
        if rating.previous_average is None
        else format_decimal(rating.previous_average, locale=language),
        previous_count=rating.previous_count,
        trend=trend,
    )


def _wape(catalog: Catalog, value: float | None) -> str:
    if value is None:
        return catalog.plain("insights.no_value")
    return percent(Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def demand_pieces(catalog: Catalog, ins: ShopInsights) -> list[Piece]:
    lang = catalog.language
    fc = ins.demand.forecast
    t = catalog.t
    pieces: list[Piece] = [
        t("insights.demand_title"),
        t(
            "insights.demand_orders",
            orders=ins.orders,
            next14=number(fc.total(14), lang),
            next28=number(fc.total(28), lang),
        ),
    ]
    peaks = fc.peaks()
    if peaks:
        pieces.append(t("insights.peaks", days=" · ".join(day_label(day, lang) for day in peaks)))
    elif fc.method is not Method.NONE:
        pieces.append(t("insights.no_peaks"))
    pieces.append(t(f"insights.method.{fc.method.value}", history=fc.history_days))
    test = fc.backtest
    if test is None:
        if fc.method is not Method.NONE:
            pieces.append(
                t(
                    "insights.no_backtest",
                    history=fc.history_days,
                    needed=BACKTEST_DAYS + BACKTEST_MIN_TRAIN,
                )
            )
    else:
        pieces.append(
            t(
                "insights.backtest",
                days=test.days,
                mae=format_decimal(round(test.mae, 1), locale=lang),
                wape=_wape(catalog, test.wape),
                naive_mae=format_decimal(round(test.naive_mae, 1), locale=lang),
                naive_wape=_wape(catalog, test.naive_wape),
                verdict=catalog.plain(
                    "insights.verdict_better" if test.beats_naive else "insights.verdict_worse"
                ),
            )
        )
    if fc.method is not Method.NONE:
        by_days = {load.days: load for load in ins.expected}
        none = catalog.plain("insights.no_value")
        pieces.append(
            t(
                "insights.expected",
                claims14=number(by_days[14].claims, lang),
                tickets14=number(by_days[14].tickets, lang),
                claims28=number(by_days[28].claims, lang),
                tickets28=number(by_days[28].tickets, lang),
                claim_rate=none
                if ins.claims_per_order is None
                else format_decimal(ins.claims_per_order, locale=lang),
                ticket_rate=none
                if ins.tickets_per_order is None
                else format_decimal(ins.tickets_per_order, locale=lang),
            )
        )
    if ins.products:
        pieces += ["", t("insights.products_title")]
        pieces.append(
            lines(
                [product_demand_line(catalog, p) for p in ins.products], catalog, "fit.more_lines"
            )
        )
    return pieces


def product_demand_line(catalog: Catalog, demand: Demand) -> Line:
    lang = catalog.language
    peaks = demand.forecast.peaks(count=1)
    return line(
        catalog,
        "insights.product_demand",
        name=Field(demand.name or ""),
        next14=number(demand.forecast.total(14), lang),
        next28=number(demand.forecast.total(28), lang),
        peak=day_label(peaks[0], lang) if peaks else catalog.plain("insights.no_value"),
    )


def insight_text(catalog: Catalog, ins: ShopInsights, *, limit: int = TEXT) -> str:
    t, lang = catalog.t, catalog.language
    first = ins.today - timedelta(days=ins.days - 1)
    pieces: list[Piece] = [
        line(
            catalog,
            "insights.title",
            shop=Field(ins.shop.name),
            days=ins.days,
            first=short_day(first, lang),
            last=short_day(ins.today, lang),
            zone=ins.shop.timezone,
        ),
        "",
        t("insights.returns_title"),
    ]
    if ins.returns:
        flagged = [flag_line(catalog, p) for p in ins.flagged]
        if flagged:
            pieces.append(lines(flagged, catalog, "insights.more_products"))
        listed = [returns_line(catalog, p) for p in ins.returns[:SHOWN_RETURNS]]
        hidden = len(ins.returns) - len(listed)
        pieces.append(lines(listed, catalog, "insights.more_products"))
        if hidden:
            pieces.append(t("insights.more_products", count=hidden))
    else:
        pieces.append(t("insights.no_returns"))

    pieces += ["", t("insights.ratings_title", days=ins.days)]
    if ins.ratings:
        rated = [rating_line(catalog, r, lang) for r in ins.ratings[:SHOWN_RATINGS]]
        pieces.append(lines(rated, catalog, "insights.more_products"))
        if len(ins.ratings) > SHOWN_RATINGS:
            pieces.append(t("insights.more_products", count=len(ins.ratings) - SHOWN_RATINGS))
    else:
        pieces.append(t("insights.no_ratings"))

    none = catalog.plain("insights.no_value")
    pieces += ["", t("insights.support_title")]
    pieces.append(
        lines(
            [
                t(
                    "insights.support_week",
                    first=short_day(week.week.first, lang),
                    last=short_day(week.week.last, lang),
                    claims=week.claims,
                    cancellations=week.cancellations,
                    tickets=week.tickets,
                    response=none
                    if week.first_response is None
                    else duration(catalog, week.first_response),
                    resolution=none
                    if week.resolution is None
                    else duration(catalog, week.resolution),
                )
                for week in ins.support
            ],
            catalog,
            "fit.more_earlier",
            keep="tail",
        )
    )
    pieces.append("")
    pieces += demand_pieces(catalog, ins)
    return fit(*pieces, limit=limit, notice=t("fit.notice_plain"))


def insight_keyboard(catalog: Catalog, ins: ShopInsights) -> Keyboard:
    p = catalog.plain
    periods = [
        Button(
            p("insights.period_current" if days == ins.days else "insights.period", days=days),
            SHOW.pack(shop=ins.shop.id, days=days),
        )
        for days in PERIODS
    ]
    other = (
        [Button(p("insights.other_shop"), PICK_SHOP.pack(days=ins.days))]
        if ins.shop_count > 1
        else []
    )
    return Keyboard.of(periods, other)


def shops_keyboard(shops: tuple[ShopRef, ...], days: int) -> Keyboard:
    return Keyboard.of(
        *(
            [Button(cut(shop.name, BUTTON), SHOW.pack(shop=shop.id, days=days))]
            for shop in shops[:MAX_SHOP_BUTTONS]
        )
    )


def chart_png(catalog: Catalog, ins: ShopInsights) -> bytes:
    demand = ins.demand
    past = min(len(demand.history), max(ins.days, CHART_PAST_DAYS if ins.days > 30 else 28))
    return render_demand_chart(
        first_day=demand.forecast.first_day - timedelta(days=past),
        history=demand.history[len(demand.history) - past :],
        forecast=demand.forecast.values,
        title=catalog.plain("insights.chart_title", shop=ins.shop.name, days=ins.days),
        legend=(catalog.plain("insights.chart_orders"), catalog.plain("insights.chart_forecast")),
        language=catalog.language,
    )


def _chart_file(catalog: Catalog, ins: ShopInsights) -> str:
    return write_chart(chart_png(catalog, ins))


# ------------------------------------------------------------------- handlers


async def show(ctx: Context, shop_id: int | None, days: int) -> None:
    """Send the chart, then the text with the period/shop buttons under it."""
    try:
        ins = await ctx.services.insights.for_seller(ctx.user.id, shop_id, days)
    except NotAllowed:
        refuse_non_seller(ctx)
        return
    except ChooseShop as exc:
        shop_choice.offer(ctx, PICK, exc.shops[:MAX_SHOP_BUTTONS], days=days)
        ctx.reply(ctx.t("insights.choose_shop"), shops_keyboard(exc.shops, days))
        return
    shop_choice.answered(ctx)
    # Fitting happened in the service; drawing and writing the PNG is blocking work.
    path = await asyncio.to_thread(_chart_file, ctx.catalog, ins)
    ctx.add(SendPhotos(ctx.chat_id, (PhotoRef(path=path),), thread_id=ctx.inbound.thread_id))
    ctx.reply(insight_text(ctx.catalog, ins), insight_keyboard(ctx.catalog, ins))


def parse_days(args: str) -> int | None:
    return parse_period(args, PERIODS, DEFAULT_PERIOD)


@router.command("insights")
async def insights_command(ctx: Context) -> None:
    days = parse_days(ctx.inbound.args)
    if days is None:
        ctx.reply(ctx.t("insights.usage", periods=" / ".join(str(d) for d in PERIODS)))
        return
    await show(ctx, None, days)


@router.button(SHOW.prefix)
async def insights_button(ctx: Context) -> None:
    data = SHOW.unpack(ctx.inbound.button)
    if data is None or data["days"] not in PERIODS:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await show(ctx, data["shop"], data["days"])


@router.button(PICK_SHOP.prefix)
async def pick_shop(ctx: Context) -> None:
    data = PICK_SHOP.unpack(ctx.inbound.button)
    if data is None or data["days"] not in PERIODS:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await show(ctx, None, data["days"])


@router.step(PICK, numbers=True)
async def shop_typed(ctx: Context) -> None:
    days = int(ctx.state.data.get("days", DEFAULT_PERIOD))
    await shop_choice.on_typed(ctx, lambda shop_id: show(ctx, shop_id, days))


@router.prompt(PICK)
async def ask_shop_again(ctx: Context) -> None:
    await show(ctx, None, int(ctx.state.data.get("days", DEFAULT_PERIOD)))
