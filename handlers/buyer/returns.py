"""Filing a return ("claim"): items → type → reason → photos → note → confirm.

The draft lives in the conversation state (so a restart continues where the buyer
was); every step has Back and Cancel; nothing is written until Confirm, and the
service re-checks the whole draft then.

Every step also understands typed text (`@router.step`): "the mug", "2", "both",
"just the money", "it came cracked", "done", "yes". A typed answer does what the
matching button does (same draft change, same next message); text a step cannot use
gets `escapes.not_understood`: one line on what the step takes and its question again
with its buttons. Nothing typed here reaches the answer engine or staff. The words the
buyer started the return with (`start(..., said=...)`) choose what they already named
(the item, the reason, the kind of request) and the flow asks only for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType
from bot.domain.errors import ClaimNotFound, InvalidTransition, OrderNotFound
from bot.domain.marketplace import display_name
from bot.domain.money import format_money
from bot.domain.returns import (
    HIDDEN_ORDER,
    MAX_PHOTOS,
    OPEN,
    NotEligible,
    photos_required,
    reasons_for,
    summary_kind,
    types_for,
)
from bot.services.intents import (
    Intent,
    names_another_order,
    only_the_other_order,
    reports_damage,
)
from bot.services.returns import (
    ClaimDraft,
    DraftInvalid,
    PhotoDraft,
    ReturnOptions,
    new_token,
)
from bot.services.views import ItemView, OrderView
from bot.understanding import items as items_named
from bot.understanding import steps as read
from bot.understanding.carrier_names import read_tracking_answer
from handlers import escapes
from handlers.buttons import ButtonData, Id, Int
from handlers.buyer.claims import show_claim
from handlers.buyer.orders import RETURN_IT, listed
from handlers.buyer.views import card_fingerprint, card_just_shown, format_date, status_label
from handlers.buyer.why import refused
from handlers.catalog import Safe
from handlers.claim_labels import type_label
from handlers.core import Context, Handler, Router, button_args, int_arg, within
from handlers.fit import BUTTON, Field, cut, fit, line, lines
from handlers.media import VIDEO_KINDS, PhotoRefused, refusal_text, with_photo
from handlers.support import support_available
from handlers.types import Button, Keyboard

router = Router()
# How many of an item to return: `rq:<order item id>:<0..8>` (0 = none of it).
QUANTITY_BUTTON = ButtonData("rq", Id("item"), Int("quantity", 0, 8))

ITEMS, QUANTITY, TYPE, REASON, PHOTOS, NOTE, CONFIRM = (
    "ret.items",
    "ret.qty",
    "ret.type",
    "ret.reason",
    "ret.photos",
    "ret.note",
    "ret.confirm",
)
# "Add this as your note to the seller?", asked when what was typed at the note step
# reads as a question to the shop (see `note_step`).
NOTE_CHECK = "ret.note_check"
# In the draft: the text the note check is about, and a question the buyer said was
# for the shop, answered once the request is filed.
NOTE_ASKED = "note_asked"
# Outside a flow: the words that asked for a return, kept for the order picked from
# the list they got ({"said", "orders": the ids offered}; see `choose_order`).
PICKED_SAID = "return_said"
ORDER_OF_STEPS = [ITEMS, TYPE, REASON, PHOTOS, NOTE, CONFIRM]
# The steps before the photos are asked for: a picture sent there is kept for step 4.
_BEFORE_PHOTOS = frozenset({ITEMS, QUANTITY, TYPE, REASON})
MAX_NOTE = 1000
# The draft key of what the latest summary said (its fingerprint, also on its Confirm).
SUMMARY_SHOWN = "summary_shown"
ITEM_LABEL = 40  # characters of a product's name on its button


# ------------------------------------------------------------------ helpers


def _nav(ctx: Context, *extra: list[Button]) -> Keyboard:
    p = ctx.catalog.plain
    return Keyboard.of(*extra, [Button(p("common.back"), "rb"), Button(p("common.cancel"), "rx")])


def _expired(ctx: Context) -> None:
    ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)


async def _refuse(ctx: Context, key: str) -> None:
    """Not yet: as an alert on a tapped button; typed, as a line and the question again."""
    if ctx.inbound.callback_id:
        ctx.answer(ctx.catalog.plain(key), alert=True)
        return
    ctx.reply(ctx.t(key))
    await escapes.reprompt(ctx)


def _in_flow(ctx: Context, *steps: str) -> bool:
    """Buttons of an old or abandoned return flow must not act on the current one."""
    if ctx.state.step in steps:
        return True
    _expired(ctx)
    return False


async def _options(ctx: Context) -> ReturnOptions | None:
    order_id = int(ctx.state.data["order_id"])
    try:
        return await ctx.services.returns.options(ctx.user.id, order_id)
    except OrderNotFound:
        ctx.state.clear()
        ctx.reply(ctx.t("returns.invalid.items_taken"))
        return None
    except NotEligible as exc:  # e.g. the window closed or the order changed meanwhile
        ctx.state.clear()
        await _say_not_eligible(ctx, exc.reason, order_id)
        return None


# ------------------------------------------------------------------- start


@router.command("return")
async def return_command(ctx: Context) -> None:
    await choose_order(ctx)


async def choose_order(ctx: Context, *, said: str | None = None) -> None:
    """The orders a return can be filed for, each with its status, and a line on why
    the others are not listed (the domain's rule decides, as in the flow itself).

    `said`: the buyer's words that asked for the return ("I want to return the
    towel").  With one order that can be returned, or one whose items the words name,
    its return starts at once with them; with several, they are kept for the order
    the buyer picks (`PICKED_SAID`), so the flow still takes what was already said."""
    ctx.state.data.pop(PICKED_SAID, None)
    choices = await ctx.services.returns.choices(ctx.user.id)
    hidden = sum(choices.hidden.values())
    if not choices.orders and not hidden:
        ctx.reply(ctx.t("returns.no_orders"))
        return
    if choices.only_reason is not None:  # one order, and it can't be returned: why exactly
        await _only_order_not_eligible(ctx, choices.only_reason)
        return
    why = _hidden_why(ctx, choices.hidden)
    if not choices.orders and await _shown_order_not_eligible(ctx):
        return
    if not choices.orders:
        ctx.reply(ctx.t("journey.return_none", count=hidden, why=why))
        return
    if len(choices.orders) == 1 and (not hidden or said):
        only = choices.orders[0]
        if hidden:  # the buyer did not pick it: say which order, and why only this one
            ctx.reply(
                ctx.t("journey.return_only_one", number=only.order_number, count=hidden, why=why)
            )
        await start(ctx, only.id, said=said)
        return
    if said:
        named = [
            o
            for o in choices.orders
            if items_named.mentioned_items(said, [i.name for i in o.items])
        ]
        if len(named) == 1:
            # "the candle arrived smashed": only one of the orders holds a candle, so
            # that is the order; asking which would make the buyer look it up.
            ctx.reply(ctx.t("journey.return_named_order", number=named[0].order_number))
            await start(ctx, named[0].id, said=said)
            return
        ctx.state.go(
            None, **{PICKED_SAID: {"said": said, "orders": [o.id for o in choices.orders]}}
        )
    listed(ctx, RETURN_IT, [o.id for o in choices.orders[:PICKABLE_RETURNS]])
    rows = _order_rows(ctx, choices.orders)
    text = ctx.t("returns.choose_order")
    if hidden:
        text += "\n" + ctx.t("journey.return_hidden", count=hidden, why=why)
    ctx.reply(text, Keyboard.of(*rows))


async def _shown_order_not_eligible(ctx: Context) -> bool:
    """None can be returned, and the order whose card was just shown is the one meant
    ("the lamp doesn't work, I want to send it back" under a TikTok order's card): why
    that one can't, exactly, rather than a count of all and a list of reasons.  False
    when no card was shown lately."""
    shown = card_just_shown(ctx)
    if shown is None:
        return False
    try:
        await ctx.services.returns.options(ctx.user.id, shown)
    except NotEligible as exc:
        await _say_not_eligible(ctx, exc.reason, shown)
        return True
    except OrderNotFound:
        return False
    return False


async def _say_not_eligible(ctx: Context, reason: str, order_id: int) -> None:
    """Why this order of the buyer's can't be returned here, naming it."""
    order = await ctx.services.orders.order(ctx.user.id, order_id)
    say_not_eligible(ctx, reason, order)


async def _only_order_not_eligible(ctx: Context, reason: str) -> None:
    """The buyer's one order can't be returned here: say why, naming it."""
    everything = await ctx.services.orders.all_linked(ctx.user.id)
    say_not_eligible(ctx, reason, everything[0])


def say_not_eligible(ctx: Context, reason: str, order: OrderView) -> None:
    """Say why `order` can't be returned here; a marketplace's order names the
    marketplace whose app takes its return.  A "why?" typed next gets the rule behind
    it (`handlers.buyer.why`)."""
    if reason == "marketplace" and order.marketplace is not None:
        name = display_name(order.marketplace)
        ctx.reply(
            ctx.t("marketplace_buyer.return_there", number=order.order_number, marketplace=name)
        )
        refused(ctx, "marketplace", number=order.order_number, marketplace=name)
        return
    ctx.reply(ctx.t(f"returns.not_eligible.{reason}", number=order.order_number))
    if reason == "window_closed" and order.delivered_at is not None:
        date = format_date(order.delivered_at, zone=order.timezone, language=ctx.catalog.language)
        days = order.policy.return_window_days
        refused(ctx, "window_closed", number=order.order_number, days=days, date=date)


# The buttons "Which order is the return for?" shows, and the orders a typed answer
# picks from.
PICKABLE_RETURNS = 20


def _order_rows(ctx: Context, orders: Sequence[OrderView]) -> list[list[Button]]:
    """One button a returnable order (number and status), each starting its return."""
    label = ctx.catalog.plain
    return [
        [
            Button(
                label(
                    "journey.return_order_button",
                    number=cut(o.order_number, BUTTON),
                    status=status_label(ctx.catalog, o.status),
                ),
                f"rs:{o.id}",
            )
        ]
        for o in orders[:PICKABLE_RETURNS]
    ]


# The album a photo sent outside any flow belonged to: its other photos arrive as
# updates of their own, and one answer covers them all.
PHOTO_ALBUM = "photo_album"


# The photos sent when nothing was asked, kept for the return they were offered with:
# {"orders": [the offered orders' ids], "photos": [PhotoDraft JSON, ...], "at": ISO
# time}.  For an hour: a picture sent days before is not added to a later return.
PHOTOS_SENT = "photos_sent"
PHOTOS_SENT_FOR = timedelta(hours=1)


async def photo_outside_flow(ctx: Context) -> None:
    """A photo sent when nothing was asked: photos go with a return request, so a
    buyer with an order that can be returned is offered to start one (the same
    buttons as /return), and the photo (with the rest of its album) is kept for it;
    anyone else is told what photos are for here.  Before, the buyer was asked to send
    the photo again once the request asked for it."""
    album = ctx.inbound.media_group_id
    if album is not None and ctx.state.data.get(PHOTO_ALBUM) == album:
        await _keep_sent_photo(ctx)  # the rest of an album already answered
        return
    if album is not None:
        ctx.state.data[PHOTO_ALBUM] = album
    choices = await ctx.services.returns.choices(ctx.user.id)
    # A request the seller is still deciding: the photo most likely belongs to it.
    waiting = [
        c
        for c in await ctx.services.returns.claims(ctx.user.id)
        if c.status is ClaimStatus.REQUESTED and c.marketplace is None
    ]
    # Photos sent one by one, each a message of its own: the earlier ones of the hour
    # stay with this one (each reset the offer, and only the last went with it).
    earlier = ctx.state.data.get(PHOTOS_SENT)
    kept_before = (
        list(earlier["photos"])
        if isinstance(earlier, dict)
        and isinstance(earlier.get("photos"), list)
        and _recent(ctx, earlier.get("at"))
        else []
    )
    ctx.state.data[PHOTOS_SENT] = {
        "orders": [o.id for o in choices.orders],
        "claims": [c.id for c in waiting],
        "photos": kept_before,
        "at": ctx.services.clock.now().isoformat(),
    }
    kept = bool(choices.orders or waiting) and await _keep_sent_photo(ctx)
    if not kept and not kept_before:
        ctx.state.data.pop(PHOTOS_SENT, None)
    if kept and len(waiting) == 1:
        # "Add to R…" first; a new return for something else stays one tap away.
        claim, p = waiting[0], ctx.catalog.plain
        add = [Button(p("returns.photo_outside.add_button", claim=claim.number), f"rpa:{claim.id}")]
        if len(choices.orders) == 1:  # the rest of that order, as its card offers it
            rows = [add, [Button(p("returns.return_button"), f"rs:{choices.orders[0].id}")]]
        else:
            rows = [add, *_order_rows(ctx, choices.orders)]
        ctx.reply(ctx.t("returns.photo_outside.to_request", claim=claim.number), Keyboard.of(*rows))
        ctx.state.data[PHOTO_OFFER] = claim.id  # a typed "yes" next is the tap
        return
    if not choices.orders:
        if choices.only_reason is not None:
            # One order, and it can't be returned here: why exactly, as /return says
            # (bought on TikTok Shop: its return is asked for in the app).
            await _only_order_not_eligible(ctx, choices.only_reason)
            return
        ctx.reply(ctx.t("returns.photo_outside.nothing_to_return"))
        return
    # "Tap the button: this photo goes with it", or (a picture refused) "send a photo
    # again when I ask for it", or (a video of the fault) "send photos when I ask".
    kind = "kept" if kept else "video" if ctx.inbound.other in VIDEO_KINDS else "again"
    if len(choices.orders) == 1:
        order = choices.orders[0]
        ctx.reply(
            ctx.t(f"returns.photo_outside.one_{kind}", number=order.order_number),
            Keyboard.of([Button(ctx.catalog.plain("returns.return_button"), f"rs:{order.id}")]),
        )
        return
    rows = _order_rows(ctx, choices.orders)
    ctx.reply(ctx.t(f"returns.photo_outside.several_{kind}"), Keyboard.of(*rows))


async def _keep_sent_photo(ctx: Context) -> bool:
    """Check and store the photo of this message for the return offered with it
    (`PHOTOS_SENT`); False when there is no such offer or the picture is refused."""
    sent = ctx.state.data.get(PHOTOS_SENT)
    if not isinstance(sent, dict) or not isinstance(sent.get("photos"), list):
        return False
    photos: list[dict[str, Any]] = sent["photos"]
    if len(photos) >= MAX_PHOTOS:
        return False
    try:
        with_it = await with_photo(ctx, photos)
    except PhotoRefused:
        return False
    # New containers, not changes in place: see pick_item.
    ctx.state.data[PHOTOS_SENT] = {**sent, "photos": with_it}
    return True


# The request the photos were just offered to ("Add this photo to R…?"): a typed yes
# as the next message adds them, as the button does.
PHOTO_OFFER = "photo_offer"


def photo_offer_first(then: Handler) -> Handler:
    """Wrap the buyer's free-text handler: "yes", "yes add it" right after the offer
    is the Add button, as are words that say what the photo shows ("that's the box");
    anything else is read as it would be (the offer counts for the next message
    only)."""

    async def handler(ctx: Context) -> None:
        offered = ctx.state.data.pop(PHOTO_OFFER, None)
        text = ctx.inbound.text
        if (
            isinstance(offered, int)
            and text
            and ctx.inbound.photo is None
            and (read.answer_to_an_offer(text) is True or read.shows_the_picture(text))
        ):
            # "yes add it", or what the picture shows ("that's the box"): the Add button
            await _add_sent(ctx, offered)
            return
        await then(ctx)

    return handler


@router.button("rpa")
async def add_sent_photos(ctx: Context) -> None:
    """The photos sent outside any flow, added to the request the seller is deciding
    (offered by `photo_outside_flow`); the seller is sent them."""
    ctx.state.data.pop(PHOTO_OFFER, None)
    await _add_sent(ctx, int_arg(ctx.inbound.button or ""))


async def _add_sent(ctx: Context, claim_id: int | None) -> None:
    sent = ctx.state.data.get(PHOTOS_SENT)
    if (
        claim_id is None
        or not isinstance(sent, dict)
        or claim_id not in sent.get("claims", [])
        or not sent.get("photos")
        or not _recent(ctx, sent.get("at"))
    ):
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    photos = [PhotoDraft.from_json(p) for p in sent["photos"]]
    try:
        claim = await ctx.services.returns.add_photos(ctx.user.id, claim_id, photos)
    except DraftInvalid as exc:
        ctx.reply(ctx.t(f"returns.invalid.{exc.reason}"))
        return
    except (ClaimNotFound, InvalidTransition):  # a marketplace's too
        # decided (or asked about) since the offer: its card says where it stands
        ctx.state.data.pop(PHOTOS_SENT, None)
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.state.data.pop(PHOTOS_SENT, None)
    ctx.edit_or_reply(
        ctx.t("returns.photo_outside.added", claim=claim.number, count=claim.photo_count)
    )


def _hidden_why(ctx: Context, hidden: dict[str, int]) -> Safe:
    """ "not delivered yet", or "not delivered yet (2), cancelled (1)" for several groups."""
    groups = [g for g in HIDDEN_ORDER if hidden.get(g)]
    if len(groups) == 1:
        return Safe(ctx.t(f"journey.hidden.{groups[0]}"))
    parts = [
        ctx.t("journey.hidden_counted", why=Safe(ctx.t(f"journey.hidden.{g}")), count=hidden[g])
        for g in groups
    ]
    return Safe(ctx.catalog.raw("journey.hidden_separator").join(parts))


@router.button("rs")
async def start_button(ctx: Context) -> None:
    order_id = int_arg(ctx.inbound.button or "")
    if order_id is None:
        _expired(ctx)
        return
    await start_picked(ctx, order_id)


def offer_report(ctx: Context, order_id: int, said: str) -> Button:
    """A button that starts this order's return with `said` taken as if typed at the
    start ("it says delivered but I never got it": the reason is not asked again)."""
    ctx.state.data[PICKED_SAID] = {"said": said, "orders": [order_id]}
    return Button(ctx.catalog.plain("care.report_button"), f"rs:{order_id}")


async def start_picked(ctx: Context, order_id: int) -> None:
    """The return of the order picked from "Which order is the return for?", tapped or
    typed ("2", "the delivered one"), with what the buyer said when asking for it."""
    picked = ctx.state.data.get(PICKED_SAID) if ctx.state.step is None else None
    said = None
    if isinstance(picked, dict) and order_id in picked.get("orders", []):
        said = picked.get("said") if isinstance(picked.get("said"), str) else None
    sent = ctx.state.data.get(PHOTOS_SENT) if ctx.state.step is None else None
    before = len(ctx.actions)
    await start(ctx, order_id, said=said)
    if (
        isinstance(sent, dict)
        and order_id in sent.get("orders", [])
        and sent.get("photos")
        and _recent(ctx, sent.get("at"))
        and ctx.state.step is not None
        and ctx.state.data.get("order_id") == order_id
    ):
        # The photos sent before the offer: the request's first, said before its
        # first question.
        ctx.state.data["photos"] = list(sent["photos"])
        ctx.reply(ctx.t("journey.photo_added", count=len(sent["photos"])))
        ctx.actions.insert(before, ctx.actions.pop())


def _recent(ctx: Context, at: object) -> bool:
    """Whether photos sent at `at` are recent enough to join a return."""
    return within(ctx, at, PHOTOS_SENT_FOR)


async def start(ctx: Context, order_id: int, *, said: str | None = None) -> None:
    """Open the return flow for this order.  `said`: the buyer's own words that asked
    for the return ("return the mug, it arrived cracked"), so the flow can take what
    they already said and ask only for the rest."""
    try:
        options = await ctx.services.returns.options(ctx.user.id, order_id)
    except OrderNotFound:
        ctx.answer(ctx.catalog.plain("orders.gone"), alert=True)
        return
    except NotEligible as exc:
        order = await ctx.services.orders.order(ctx.user.id, order_id)
        if exc.reason == "in_transit" and said and reports_damage(said):
            # "my knife came but the tip is bent" while the carrier still shows it on
            # its way: the buyer has it, so not "report it if it hasn't arrived".
            person = Button(ctx.catalog.plain("support.human_button"), f"hp:{order_id}")
            text = ctx.t("returns.not_eligible.in_transit_but_here", number=order.order_number)
            ctx.reply(text, Keyboard.of([person]))
            return
        say_not_eligible(ctx, exc.reason, order)
        return
    if said and await _same_fault_filed(ctx, options, said):
        return
    ctx.state.go(
        ITEMS,
        order_id=order_id,
        # Typing this order's own number mid-flow is not a wish to switch orders.
        order_number=options.order.order_number,
        token=new_token(),
        items={},
        photos=[],
    )
    if said and await _take_what_was_said(ctx, options, said):
        return
    show_items(ctx, options)


async def _same_fault_filed(ctx: Context, options: ReturnOptions, said: str) -> bool:
    """The fault a request of this order already holds, told again with no item named
    ("it was stained when it arrived" while the towel's request waits for the seller):
    that request, not a new return of the order's other items (found in the demo: the
    mug, never stained, was offered with the reason taken).  False otherwise."""
    reason = _said_kind_and_reason(options, said).get("reason")
    names = [item.name for item in options.order.items]
    if reason is None or items_named.chosen_items(said, names, places=False) is not None:
        return False
    filed = [
        claim
        for claim in await ctx.services.returns.claims(ctx.user.id)
        if claim.order_id == options.order.id
        and claim.status in OPEN
        and claim.reason.value == reason
    ]
    if not filed:
        return False
    ctx.state.clear()
    ctx.reply(ctx.t("returns.same_fault_filed", claim=filed[0].number))
    await show_claim(ctx, filed[0].id)
    return True


def _claimable_items(options: ReturnOptions) -> list[ItemView]:
    """The order's items that can still be returned, in the order of their buttons."""
    return [item for item in options.order.items if options.claimable.get(item.id, 0) > 0]


def _said_kind_and_reason(options: ReturnOptions, said: str) -> dict[str, str]:
    """The kind of request and the reason the words say, where the order allows them
    ("the mug arrived cracked" → the reason; "quiero solo el dinero" → the kind).  Only
    an explicit kind counts: "return" in "I want to return the mug" names the request."""
    reason = read.return_reason(said)
    kind = read.claim_type(said, strict=True)
    preset: dict[str, str] = {}
    if kind is not None and kind in types_for(reason, options.eligibility.types):
        preset["type"] = kind.value
    if reason is not None and reason in reasons_for(kind, options.eligibility.reasons):
        preset["reason"] = reason.value
    return preset


async def _take_what_was_said(
    ctx: Context,
    options: ReturnOptions,
    said: str,
    chosen: dict[str, int] | None = None,
    *,
    places: bool = False,
) -> bool:
    """Fill the draft from the buyer's words (the first message, or one typed at the
    items step that says more than an item), tell them what was taken and go to the
    first step still missing.  `chosen`: the items already chosen, kept; `places`: at
    the items step, where "the second one" is a place in the list.  False when the
    words name nothing of the return (then the flow starts at its first step as
    usual)."""
    candidates = _claimable_items(options)
    picked = items_named.chosen_items(said, [i.name for i in candidates], places=places)
    found = [candidates[i] for i in picked.indexes] if picked else []
    # "I want to return both items": every unit of each, as if each were named.
    every = picked is not None and picked.every
    # Counts are read without the order number ("both mugs", "2 of the mugs").
    counted = re.sub(r"\d{4,}", " ", said)
    preset = {**(ctx.state.data.get("preset") or {}), **_said_kind_and_reason(options, said)}
    if not found and not preset:
        return False
    if not found and not chosen and preset.get("reason") == ClaimReason.NOT_RECEIVED.value:
        # "it says delivered but I never got it": the parcel, so every item in it
        # (asking "which items?" of a parcel that never came made the buyer pick all).
        found, every = candidates, True
    chosen = _rescoped(candidates, chosen, picked)
    ask: int | None = None  # an item of which several units may be returned: how many?
    # A count said with one item ("both mugs", "2 of the mugs"), never an order number.
    count = read.read_quantity(counted) if len(found) == 1 else None
    if every:
        count = read.ALL
    for item in found:
        left = options.claimable[item.id]
        if left == 1:
            chosen[str(item.id)] = 1
        elif count == read.ALL or (isinstance(count, int) and 0 < count <= left):
            chosen[str(item.id)] = left if count == read.ALL else int(count)
        elif ask is None:
            ask = item.id
    ctx.state.data["items"] = chosen
    ctx.state.data["preset"] = preset
    _tell_taken(ctx, options, chosen, [] if ask is None else [ask], preset)
    if ask is not None:
        # After the quantity, go on to the next missing step rather than the list.
        ctx.state.data["preset"] = {**preset, "next": "1"}
        ask_quantity(ctx, options, ask)
    elif chosen:
        await _after_items(ctx, options)
    else:
        show_items(ctx, options)
    return True


def _rescoped(
    candidates: list[ItemView],
    chosen: dict[str, int] | None,
    picked: items_named.ItemsChosen | None,
) -> dict[str, int]:
    """The items chosen before, less those the words keep ("the mug is chipped and the
    towel is fine") or leave out by naming others alone ("just the mug"): found in the
    demo, "both" then "the towel is fine actually" filed a refund for both."""
    chosen = dict(chosen or {})
    if picked is None:
        return chosen
    if picked.only:
        named = {str(candidates[i].id) for i in picked.indexes}
        chosen = {k: v for k, v in chosen.items() if k in named}
    for i in picked.kept:
        chosen.pop(str(candidates[i].id), None)
    return chosen


def _items_changed(ctx: Context, options: ReturnOptions, text: str, *, late: bool = False) -> bool:
    """Past the items step, words that narrow the items ("just the mug then", "the towel
    is fine, only the mug") or swap them ("nevermind the towel, the mug"): the items
    become those, told in a line, and the step stays; naming only what is chosen
    already ("just the towel") gets that line too.  False for anything else.

    An item newly named that has several units needs its count, the items step's
    question: at the type and reason steps (`late` False) the words are left to the
    step; at the photos, the note and the summary (`late`), where they would be taken
    as the step's answer, the count is asked, and the kind and reason given stay
    chosen, so that the request goes on from the photos."""
    candidates = _claimable_items(options)
    names = [i.name for i in candidates]
    picked = items_named.chosen_items(text, names, places=False)
    if picked is None and (kept := items_named.left_out_items(text, names)):
        picked = items_named.ItemsChosen((), kept=kept)  # "the mug is fine actually"
    if picked is None or not (picked.only or picked.kept):
        return False
    before: dict[str, int] = dict(ctx.state.data.get("items") or {})
    chosen = _rescoped(candidates, before, picked)
    asking: list[int] = []
    for i in picked.indexes:
        item = candidates[i]
        if str(item.id) not in chosen:
            if options.claimable[item.id] == 1:
                chosen[str(item.id)] = 1
            elif late:
                asking.append(item.id)
            else:
                return False
    if not (chosen or asking):
        return False
    if chosen == before and not asking:
        # "solo la vela", "just the towel" naming what is already chosen: said back, so
        # the buyer sees it is so (it got "type what you'd like"), and the step stays
        _tell_taken(ctx, options, chosen, [], {})
        return True
    ctx.state.data["items"] = chosen
    _tell_taken(ctx, options, chosen, asking, {})
    if asking:
        said = {"type": ctx.state.data["type"], "reason": ctx.state.data["reason"]}
        if len(asking) == 1:
            ctx.state.data["preset"] = {**said, "next": "1"}
            ask_quantity(ctx, options, asking[0])
        else:
            ctx.state.data["preset"] = said
            show_items(ctx, options)
    return True


async def _items_changed_late(ctx: Context, text: str) -> bool:
    """`_items_changed` at the photos, the note or the summary; the step's question
    comes again unless the count of a newly named item is asked first."""
    options = await _options(ctx)
    if options is None or not _items_changed(ctx, options, text, late=True):
        return False
    if ctx.state.step not in (ITEMS, QUANTITY):
        await escapes.reprompt(ctx)
    return True


def _tell_taken(
    ctx: Context,
    options: ReturnOptions,
    chosen: dict[str, int],
    asking: list[int],
    preset: dict[str, str],
) -> None:
    """One line on what was taken from the buyer's words, so nothing is chosen silently."""
    names = {item.id: cut(item.name, ITEM_LABEL) for item in options.order.items}
    pieces = [
        ctx.t("returns.typed.taken_item", name=names[int(i)], quantity=q) for i, q in chosen.items()
    ]
    pieces += [ctx.t("returns.typed.taken_item_open", name=names[i]) for i in asking]
    if "type" in preset:
        said_reason = ClaimReason(preset["reason"]) if "reason" in preset else None
        type_label = _type_label(ctx, ClaimType(preset["type"]), said_reason, options)
        pieces.append(ctx.t("returns.typed.taken_type", type=type_label))
    if "reason" in preset:
        reason_label = ctx.catalog.plain(f"claim_reason.{preset['reason']}")
        pieces.append(ctx.t("returns.typed.taken_reason", reason=reason_label))
    what = Safe(ctx.catalog.raw("returns.typed.separator").join(pieces))
    ctx.reply(ctx.t("returns.typed.taken", what=what))


async def _after_items(ctx: Context, options: ReturnOptions) -> None:
    """The items are chosen: the kind of request next, unless the buyer already said it."""
    preset = dict(ctx.state.data.get("preset") or {})
    kind = preset.pop("type", None)
    preset.pop("next", None)
    ctx.state.data["preset"] = preset
    if kind in {t.value for t in _types(ctx, options)}:
        ctx.state.data["type"] = kind
        await _after_type(ctx, options)
        return
    show_types(ctx, options)


async def _after_type(ctx: Context, options: ReturnOptions) -> None:
    """The kind is chosen: the reason next, unless the buyer already said it."""
    preset = dict(ctx.state.data.get("preset") or {})
    reason = preset.pop("reason", None)
    ctx.state.data["preset"] = preset
    if reason in {r.value for r in _reasons(ctx, options)}:
        ctx.state.data["reason"] = reason
        show_photos(ctx)
        return
    show_reasons(ctx, options)


def show_items(ctx: Context, options: ReturnOptions, *, edit: bool = False) -> None:
    """Step 1, the list of items.  `edit`: a tap within step 1 (an item, a quantity,
    Back from how many) changes this one message rather than sending the step again."""
    chosen: dict[str, int] = ctx.state.data.get("items", {})
    p = ctx.catalog.plain
    rows: list[list[Button]] = []
    for item in options.order.items:
        left = options.claimable.get(item.id, 0)
        if left == 0:
            continue
        picked = chosen.get(str(item.id), 0)
        label = (
            p("returns.item_button", name=cut(item.name, ITEM_LABEL), chosen=picked, max=left)
            if picked
            else p("returns.item_button_none", name=cut(item.name, ITEM_LABEL), max=left)
        )
        rows.append([Button(label, f"ri:{item.id}")])
    if any(chosen.values()):
        rows.append([Button(p("returns.continue"), "rn")])
    ctx.state.step = ITEMS
    send = ctx.edit_or_reply if edit else ctx.reply
    send(
        ctx.t(
            "returns.items",
            number=options.order.order_number,
            deadline=format_date(
                options.eligibility.deadline,
                zone=options.order.timezone,
                language=ctx.catalog.language,
            ),
        ),
        _nav(ctx, *rows),
    )


# ------------------------------------------------------------------ items


@router.button("ri")
async def pick_item(ctx: Context) -> None:
    if not _in_flow(ctx, ITEMS):
        return
    item_id = int_arg(ctx.inbound.button or "")
    options = await _options(ctx)
    if options is None:
        return
    if item_id is None or item_id not in options.claimable:
        _expired(ctx)
        return
    if options.claimable[item_id] == 1:  # nothing to ask: toggle
        chosen = ctx.state.data["items"]
        # A new dict, not an in-place change: the core saves the state only when it
        # compares unequal to a shallow copy taken before the handler ran.
        ctx.state.data["items"] = {**chosen, str(item_id): 0 if chosen.get(str(item_id)) else 1}
        show_items(ctx, options, edit=True)
        return
    ask_quantity(ctx, options, item_id, edit=True)


def ask_quantity(ctx: Context, options: ReturnOptions, item_id: int, *, edit: bool = False) -> None:
    """How many of this item (one with several units that may be returned); `edit`: in
    place of the list whose item was tapped."""
    left = options.claimable[item_id]
    item = next(i for i in options.order.items if i.id == item_id)
    ctx.state.step = QUANTITY
    ctx.state.data["asking"] = item_id  # for a typed answer and for asking again
    numbers = [
        Button(str(n), QUANTITY_BUTTON.pack(item=item_id, quantity=n))
        for n in range(1, min(left, 8) + 1)
    ]
    rows = [numbers[i : i + 4] for i in range(0, len(numbers), 4)]
    none = QUANTITY_BUTTON.pack(item=item_id, quantity=0)
    rows.append([Button(ctx.catalog.plain("returns.none"), none)])
    send = ctx.edit_or_reply if edit else ctx.reply
    send(
        ctx.t("returns.how_many", name=item.name, bought=item.quantity, max=left), _nav(ctx, *rows)
    )


@router.button("rq")
async def pick_quantity(ctx: Context) -> None:
    if not _in_flow(ctx, QUANTITY):
        return
    pressed = QUANTITY_BUTTON.unpack(ctx.inbound.button)
    options = await _options(ctx)
    if options is None:
        return
    if pressed is None or pressed["quantity"] > options.claimable.get(pressed["item"], 0):
        _expired(ctx)  # forged or stale: a quantity above what may be claimed
        return
    await _set_quantity(ctx, options, pressed["item"], pressed["quantity"], edit=True)


async def _set_quantity(
    ctx: Context, options: ReturnOptions, item_id: int, quantity: int, *, edit: bool = False
) -> None:
    ctx.state.data["items"] = {**ctx.state.data["items"], str(item_id): quantity}
    ctx.state.data.pop("asking", None)
    if quantity > 0 and (ctx.state.data.get("preset") or {}).get("next"):
        await _after_items(ctx, options)  # the item came from the buyer's first words
        return
    show_items(ctx, options, edit=edit)


@router.button("rn")
async def items_done(ctx: Context) -> None:
    if not _in_flow(ctx, ITEMS):
        return
    if not any(ctx.state.data["items"].values()):
        await _refuse(ctx, "returns.pick_something")
        return
    options = await _options(ctx)
    if options is not None:
        await _after_items(ctx, options)


# ------------------------------------------------------------- type, reason


def _said_reason(ctx: Context) -> ClaimReason | None:
    """The reason the buyer gave in their first words, before the type step."""
    value = (ctx.state.data.get("preset") or {}).get("reason")
    return ClaimReason(value) if value else None


def _types(ctx: Context, options: ReturnOptions) -> tuple[ClaimType, ...]:
    """The kinds of request offered: those the order allows that fit the reason given."""
    return types_for(_said_reason(ctx), options.eligibility.types)


def _reasons(ctx: Context, options: ReturnOptions) -> tuple[ClaimReason, ...]:
    """The reasons offered: those the order allows that fit the kind of request."""
    kind = ctx.state.data.get("type")
    return reasons_for(ClaimType(kind) if kind else None, options.eligibility.reasons)


def _type_label(
    ctx: Context, kind: ClaimType, reason: ClaimReason | None, options: ReturnOptions
) -> str:
    """A refund for a parcel that never arrived keeps no item: it says so."""
    never_came = reason == ClaimReason.NOT_RECEIVED or options.eligibility.reasons == (
        ClaimReason.NOT_RECEIVED,
    )
    return type_label(ctx.catalog, kind, ClaimReason.NOT_RECEIVED if never_came else reason)


def show_types(ctx: Context, options: ReturnOptions) -> None:
    ctx.state.step = TYPE
    reason = _said_reason(ctx)
    rows = [
        [Button(_type_label(ctx, t, reason, options), f"rt:{t.value}")]
        for t in _types(ctx, options)
    ]
    ctx.reply(ctx.t("returns.type"), _nav(ctx, *rows))


def _explain_types(ctx: Context, options: ReturnOptions) -> None:
    """What each offered kind does, one line each under its button's label: the answer
    to "what's the difference?" at the kind step."""
    reason = _said_reason(ctx)
    lines = []
    for kind in _types(ctx, options):
        label = _type_label(ctx, kind, reason, options)
        never_came = label == _type_label(ctx, kind, ClaimReason.NOT_RECEIVED, options)
        key = f"returns.type_explain.{kind.value}"
        if kind == ClaimType.REFUND and never_came:
            key += "_not_received"
        lines.append(ctx.t(key, label=label))
    ctx.reply("\n".join([ctx.t("returns.type_explain.intro"), *lines]))


@router.button("rt")
async def pick_type(ctx: Context) -> None:
    if not _in_flow(ctx, TYPE):
        return
    options = await _options(ctx)
    if options is None:
        return
    value = (button_args(ctx.inbound.button or "") or [""])[0]
    if value not in {t.value for t in _types(ctx, options)}:
        _expired(ctx)
        return
    ctx.state.data["type"] = value
    await _after_type(ctx, options)


def _reason_label(ctx: Context, reason: ClaimReason) -> str:
    return ctx.catalog.plain(f"claim_reason.{reason.value}")


def show_reasons(ctx: Context, options: ReturnOptions) -> None:
    ctx.state.step = REASON
    p = ctx.catalog.plain
    rows = [[Button(p(f"claim_reason.{r.value}"), f"rr:{r.value}")] for r in _reasons(ctx, options)]
    ctx.reply(ctx.t("returns.reason"), _nav(ctx, *rows))


@router.button("rr")
async def pick_reason(ctx: Context) -> None:
    if not _in_flow(ctx, REASON):
        return
    options = await _options(ctx)
    if options is None:
        return
    value = (button_args(ctx.inbound.button or "") or [""])[0]
    if value not in {r.value for r in _reasons(ctx, options)}:
        _expired(ctx)
        return
    ctx.state.data["reason"] = value
    show_photos(ctx)


# ----------------------------------------------------------------- photos


def show_photos(ctx: Context) -> None:
    ctx.state.step = PHOTOS
    reason = ClaimReason(ctx.state.data["reason"])
    key = "returns.photos_required" if photos_required(reason) else "returns.photos_optional"
    # What helps depends on the reason: a tracking screenshot for a parcel that never
    # came, the packing slip for a missing item.
    if ctx.catalog.has(f"journey.photos_hint.{reason.value}"):
        key = f"journey.photos_hint.{reason.value}"
    text = ctx.t(key, max=MAX_PHOTOS)
    if have := len(ctx.state.data.get("photos", [])):  # sent earlier in the flow
        text += "\n" + ctx.t("journey.photos_already", count=have)
    ctx.reply(text, _photo_keyboard(ctx))


def _photo_keyboard(ctx: Context) -> Keyboard:
    p = ctx.catalog.plain
    required = photos_required(ClaimReason(ctx.state.data["reason"]))
    have = len(ctx.state.data.get("photos", []))
    label = p("returns.done") if required or have else p("returns.skip")
    return _nav(ctx, [Button(label, "rd")])


@router.step(PHOTOS, photos=True)
async def photo_step(ctx: Context) -> None:
    photos: list[dict[str, Any]] = ctx.state.data.get("photos", [])
    inbound = ctx.inbound
    if inbound.photo is None and inbound.document is None and inbound.other is None:
        text = inbound.text or ""
        if read.is_done(text) or read.is_skip(text):
            await photos_done(ctx)
            return
        if read.photos_later(text):  # "ill send them tomorrow": the draft waits
            ctx.reply(ctx.t("journey.photos_later"), _photo_keyboard(ctx))
            return
        if read.asks_if_photos_needed(text):  # "do i need to send photos if…"
            reason = ClaimReason(ctx.state.data["reason"])
            key = "photos_needed" if photos_required(reason) else "photos_not_needed"
            label = ctx.catalog.plain(f"claim_reason.{reason.value}")
            ctx.reply(ctx.t(f"journey.{key}", reason=label), _photo_keyboard(ctx))
            return
        if await _put_aside(ctx, text):
            escapes.keep(ctx, text)
            ctx.reply(ctx.t("steps.question_later"), _photo_keyboard(ctx))
            return
        if read.cannot_take_photos(text):
            # "i threw it away", "my camera is broken": on, where a photo is optional;
            # where the seller needs one, a person can look at it with the buyer.
            if photos or not photos_required(ClaimReason(ctx.state.data["reason"])):
                await photos_done(ctx)
                return
            rows = [[Button(ctx.catalog.plain("support.human_button"), "hp")]]
            ctx.reply(
                ctx.t("returns.photo_cannot"),
                Keyboard.of(*rows) if support_available(ctx) else None,
            )
            return
        said = None if read.hands_something_over(text) else read.yes_no(text)
        if said is False or (said and (photos or photos_required(ctx.state.data["reason"]))):
            # "no photos sorry", "yes send it": on, as Done goes (which says why when
            # this reason needs a photo).  Found in the demo: both got "send photos
            # now, or type done", which only the word "skip" got past.  "here you go"
            # comes with a photo, which may still be on its way: asked for again.
            await photos_done(ctx)
            return
        if await _items_changed_late(ctx, text):  # "nevermind the towel, the mug"
            return
        if read.describes_the_fault(text) and len(text) <= MAX_NOTE:
            # "the chip is on the rim, hard to see in photos": what the seller should
            # read with the photos, kept for the note (it got "send photos now", lost).
            ctx.state.data[EARLY_NOTE] = text
            ctx.reply(ctx.t("journey.photo_note_kept"), _photo_keyboard(ctx))
            return
        # One message, not a line and then the question: photos come in bursts, and
        # the buyer is in the middle of sending them.
        ctx.reply(escapes.expects(ctx), _photo_keyboard(ctx))
        return
    group = inbound.media_group_id
    done = Keyboard.of([Button(ctx.catalog.plain("returns.done"), "rd")])
    if len(photos) >= MAX_PHOTOS:
        # Once per album: the rest of an album that went over arrives picture by picture.
        if group is None or ctx.state.data.get("over") != group:
            ctx.state.data["over"] = group
            ctx.reply(ctx.t("journey.photo_over_max", max=MAX_PHOTOS), done)
        return
    try:
        photos = ctx.state.data["photos"] = await with_photo(ctx, photos)  # see pick_item
    except PhotoRefused as exc:
        ctx.reply(refusal_text(ctx.catalog, exc.reason, len(photos)), done if photos else None)
        return
    if len(photos) >= MAX_PHOTOS:  # the acknowledgement says it: no "send more"
        ctx.state.data["over"] = group
        ctx.reply(ctx.t("journey.photo_received_max", count=len(photos)), done)
    elif group is None:
        ctx.reply(ctx.t("returns.photo_received", count=len(photos)), done)
    elif ctx.state.data.get("album") != group:  # one answer per album, not per picture
        ctx.state.data["album"] = group
        ctx.reply(ctx.t("returns.album_received"), done)


@router.button("rd")
async def photos_done(ctx: Context) -> None:
    if not _in_flow(ctx, PHOTOS):
        return
    reason = ClaimReason(ctx.state.data["reason"])
    if photos_required(reason) and not ctx.state.data.get("photos"):
        await _refuse(ctx, "returns.photo_needed")
        return
    show_note(ctx)


async def photo_at_other_step(ctx: Context) -> bool:
    """A photo (or image file) sent at a step other than the photos step (items,
    quantity, kind, reason, note, summary): kept for the request (checked as at the
    photos step) and the buyer told so; True when the message is fully dealt with.
    Without it the picture was dropped: with "type the item's name" before step 4, and
    without a word at the note and the summary, where a buyer remembers one more.

    A caption is the step's answer ("arrived cracked" on the picture at the reason
    step, the note at the note step): False then, and the step reads it.  Not at the
    summary: the request just changed, so the summary comes again to be confirmed as
    it is now (a "yes" under a photo never files what the buyer has not seen)."""
    inbound = ctx.inbound
    if inbound.photo is None and inbound.document is None:
        return False
    photos: list[dict[str, Any]] = ctx.state.data.get("photos", [])
    group = inbound.media_group_id
    answered = group is not None and ctx.state.data.get("album") == group
    caption = bool((inbound.text or "").strip()) and ctx.state.step != CONFIRM
    if len(photos) >= MAX_PHOTOS:
        if answered:
            return True
        ctx.state.data["album"] = group
        ctx.reply(ctx.t("journey.photo_over_max_early", max=MAX_PHOTOS))
        return await _caption_or_again(ctx, caption)
    try:
        photos = ctx.state.data["photos"] = await with_photo(ctx, photos)  # see pick_item
    except PhotoRefused as exc:
        ctx.reply(refusal_text(ctx.catalog, exc.reason, len(photos)))
        return await _caption_or_again(ctx, caption)
    if answered:  # one answer per album, not per picture
        # A summary shown for the album's first picture no longer says what would be
        # filed: its Confirm shows the summary again (see `confirm`).
        ctx.state.data.pop(SUMMARY_SHOWN, None)
        return True
    ctx.state.data["album"] = group
    before_photos = ctx.state.step in _BEFORE_PHOTOS
    if before_photos and not caption:
        ctx.reply(ctx.t("journey.photo_early"))
    else:
        ctx.reply(ctx.t("journey.photo_added", count=len(photos)))
    return await _caption_or_again(ctx, caption)


async def photo_of_the_asking(ctx: Context) -> None:
    """The photo a return was asked for with, outside any flow ("my mug arrived
    cracked, I want a refund" under the picture): kept for the request the words just
    started, and said first.  Without it the photos step asked for the picture the
    buyer had sent with the request itself."""
    inbound = ctx.inbound
    if (inbound.photo is None and inbound.document is None) or ctx.state.step not in (
        ITEMS,
        QUANTITY,
        TYPE,
        REASON,
        PHOTOS,
    ):
        return
    photos: list[dict[str, Any]] = ctx.state.data.get("photos", [])
    try:
        photos = ctx.state.data["photos"] = await with_photo(ctx, photos)
    except PhotoRefused as exc:
        ctx.reply(refusal_text(ctx.catalog, exc.reason, len(photos)))
    else:
        ctx.reply(ctx.t("journey.photo_added", count=len(photos)))
    # The rest of its album arrives at the step the words led to: taken there, silently.
    ctx.state.data["album"] = inbound.media_group_id
    ctx.actions.insert(0, ctx.actions.pop())  # before the request's first question


async def _caption_or_again(ctx: Context, caption: bool) -> bool:
    """After a picture sent at another step: the caption goes on to the step (False),
    or the step's question comes again (True)."""
    if caption:
        return False
    await escapes.reprompt(ctx)
    return True


# ------------------------------------------------------------ note, summary


def show_note(ctx: Context) -> None:
    ctx.state.step = NOTE
    early = ctx.state.data.get(EARLY_NOTE)
    if isinstance(early, str) and early:
        # What the buyer said of the problem at the photos goes with the note.
        ctx.reply(ctx.t("returns.note_more", note=early), _note_keyboard(ctx))
        return
    ctx.reply(ctx.t("returns.note"), _note_keyboard(ctx))


# What the buyer said of the problem at the photos step ("the chip is on the rim, hard
# to see in photos"): kept for the note to the seller, which the note step adds to.
EARLY_NOTE = "early_note"


def _set_note(ctx: Context, note: str | None) -> None:
    """The note to the seller: what was said at the photos, then what was typed at the
    note step (Skip keeps the first alone), within the note's length."""
    early = ctx.state.data.get(EARLY_NOTE)
    parts = [p for p in (early if isinstance(early, str) else None, note) if p]
    ctx.state.data["note"] = cut("\n".join(parts), MAX_NOTE) if parts else None


def _note_keyboard(ctx: Context) -> Keyboard:
    return _nav(ctx, [Button(ctx.catalog.plain("returns.skip"), "rk")])


# A note may carry a number (another parcel's tracking, a phone number): an answer
# there, not a wish to switch orders.
@router.step(NOTE, numbers=True, photos=True)
async def note_step(ctx: Context) -> None:
    if await photo_at_other_step(ctx):
        return
    text = (ctx.inbound.text or "").strip()
    if not text:
        await escapes.not_understood(ctx)  # a sticker, a voice note: the note is typed
        return
    if read.is_skip(text) or read.is_done(text):
        # "skip", "no", "nothing to add", "that's all", "listo": as the Skip button (a
        # note of "eso es todo" told the seller nothing).
        await skip_note(ctx)
        return
    if _SEND_IT.fullmatch(" ".join(read.words(text))):
        # "send", "just send it": nothing to add, on with the request (it was read as
        # "yes, I have something to add" and the buyer asked to type it).
        await skip_note(ctx)
        return
    if len(text.split()) <= 3 and read.yes_no(text) is True:
        # "yes", "yes please" to "Anything to add?": they have something to add, which
        # is not the word "yes" itself (it reached the seller as the note).
        ctx.reply(ctx.t("returns.note_yes"), _note_keyboard(ctx))
        return
    if len(text) > MAX_NOTE:
        ctx.reply(ctx.t("returns.note_too_long", limit=MAX_NOTE))
        return
    if read.asks_to_add_photos(text):
        # "can i add another photo": yes, now (it reached the seller as the note, or
        # was asked about as one, and the photo sent next was dropped).
        ctx.reply(ctx.t("journey.photos_now"), _note_keyboard(ctx))
        return
    if await _items_changed_late(ctx, text):
        # "hmm actually nevermind the towel, the mug": the items change, and the note
        # is asked again (found in the demo: it reached the seller as the note).
        return
    if (note := read.note_asked_for(text)) is not None:
        # "can you add that it was only washed once": the note is what follows (it
        # was asked about as a question, then kept whole, "can you add that…").
        _set_note(ctx, note)
        await show_summary(ctx)
        return
    if read.asks_something(text) and await _not_about_the_return(ctx, text):
        # "how long does the refund take?": likely a question to the shop, which would
        # go to the seller as the note without a word.  One tap keeps it a note ("can
        # you send it in blue?" is one).
        ctx.state.data[NOTE_ASKED] = text
        show_note_check(ctx)
        return
    _set_note(ctx, text)
    await show_summary(ctx)


_SEND_IT = re.compile(
    r"(?:(?:ok|okay|just|no|nope|nah|nothing)\s+)*(?:send|submit|file|enviar|envialo|mandalo)"
    r"(?:\s+(?:it|the\s+request|now|please|pls|then))*"
)


# Intents a plain statement at a step may be about when it is surely not the
# return: what was paid, an invoice, another order's parcel, the shop's policies.
_OTHER_MATTERS = frozenset(
    {
        Intent.PAYMENT_METHODS,
        Intent.INVOICE,
        Intent.QUESTION,
        Intent.TRACK_ORDER,
        Intent.DELIVERY_TIME,
    }
)
# How sure the model must be that such a statement is one of them (it is put aside
# until the request is filed, so a photo's caption must not be taken for one).
OTHER_MATTER_SURE = 0.95
# And how many words it must have ("paid paypal" says too little to answer).
OTHER_MATTER_WORDS = 3


async def _put_aside(ctx: Context, text: str) -> bool:
    """Words to keep for after the request, read by the model once: a question it
    reads as other than a return, or a statement about another matter that it is all
    but certain is one of `_OTHER_MATTERS` ("i got charged twice", "my discount code
    didnt work", "i also need an invoice for this order": found in the demo, each got
    "send photos now" or "type what's wrong", and was lost)."""
    asked = read.a_question_to_keep(text)
    if not asked and len(read.words(text)) < OTHER_MATTER_WORDS:
        return False
    reading = await ctx.services.understanding.read(text)
    if asked and reading.intent != Intent.RETURN_REQUEST:
        return True
    return reading.intent in _OTHER_MATTERS and reading.probability >= OTHER_MATTER_SURE


async def _not_about_the_return(ctx: Context, text: str) -> bool:
    """The intent model reads the message as something other than a return request."""
    reading = await ctx.services.understanding.read(text)
    return reading.intent != "return_request"


def show_note_check(ctx: Context) -> None:
    ctx.state.step = NOTE_CHECK
    p = ctx.catalog.plain
    ctx.reply(
        ctx.t("returns.note_check", note=str(ctx.state.data.get(NOTE_ASKED, ""))),
        _nav(
            ctx,
            [Button(p("returns.note_check_yes"), "rny")],
            [Button(p("returns.note_check_no"), "rnn")],
        ),
    )


@router.button("rny")
async def note_was_a_note(ctx: Context) -> None:
    if not _in_flow(ctx, NOTE_CHECK):
        return
    _set_note(ctx, ctx.state.data.pop(NOTE_ASKED, None))
    await show_summary(ctx)


@router.button("rnn")
async def note_was_a_question(ctx: Context) -> None:
    """Not a note: the question is kept and answered once the request is filed; the
    note step is asked again."""
    if not _in_flow(ctx, NOTE_CHECK):
        return
    escapes.keep(ctx, str(ctx.state.data.pop(NOTE_ASKED, "")))
    ctx.reply(ctx.t("returns.question_kept"))
    show_note(ctx)


# Words typed under "Add this as your note?" that are a note of their own, not a reply.
NOTE_WORDS = 3


@router.step(NOTE_CHECK, photos=True)
async def typed_note_check(ctx: Context) -> None:
    """ "yes" adds it as the note, "no" keeps it as a question, as the buttons do.  A
    photo joins the request (the question is asked again).  Words that answer
    neither but are a note of their own ("the hole is near the label"): the earlier
    message was the question, kept, and these words are the note."""
    if await photo_at_other_step(ctx):
        return
    text = (ctx.inbound.text or "").strip()
    answer = read.yes_no(text)
    if answer is None and len(read.words(text)) >= NOTE_WORDS and not read.asks_something(text):
        escapes.keep(ctx, str(ctx.state.data.pop(NOTE_ASKED, "")))
        ctx.reply(ctx.t("returns.question_kept"))
        ctx.state.step = NOTE
        await note_step(ctx)
    elif answer is None and read.a_question_to_keep(text):
        # "how long will it take" under "Add this as your note?": a second question,
        # so the first was one too; both are answered once the request is sent (found
        # in the demo: "please tap a button").
        escapes.keep(ctx, str(ctx.state.data.pop(NOTE_ASKED, "")))
        escapes.keep(ctx, text)
        ctx.reply(ctx.t("returns.questions_kept"))
        show_note(ctx)
    elif answer is None:
        await escapes.not_understood(ctx)
    elif answer:
        await note_was_a_note(ctx)
    else:
        await note_was_a_question(ctx)


@router.prompt(NOTE_CHECK)
async def prompt_note_check(ctx: Context) -> None:
    show_note_check(ctx)


@router.button("rk")
async def skip_note(ctx: Context) -> None:
    if not _in_flow(ctx, NOTE):
        return
    _set_note(ctx, None)
    await show_summary(ctx)


def draft_of(data: dict[str, Any]) -> ClaimDraft:
    return ClaimDraft(
        order_id=int(data["order_id"]),
        items={int(k): int(v) for k, v in data.get("items", {}).items() if int(v) > 0},
        type=ClaimType(data["type"]),
        reason=ClaimReason(data["reason"]),
        photos=tuple(PhotoDraft.from_json(p) for p in data.get("photos", [])),
        note=data.get("note"),
        token=str(data["token"]),
    )


async def show_summary(ctx: Context) -> None:
    options = await _options(ctx)
    if options is None:
        return
    draft = draft_of(ctx.state.data)
    preview = await ctx.services.returns.preview_amount(ctx.user.id, draft)
    names = {item.id: item.name for item in options.order.items}
    items = [
        line(ctx.catalog, "returns.summary_item", quantity=qty, name=Field(names.get(item_id, "?")))
        for item_id, qty in draft.items.items()
    ]
    ctx.state.step = CONFIRM
    text = fit(
        line(
            ctx.catalog,
            "returns.summary",
            number=options.order.order_number,
            items=lines(items, ctx.catalog, "fit.more_items"),
            type=_type_label(ctx, draft.type, draft.reason, options),
            reason=ctx.catalog.plain(f"claim_reason.{draft.reason.value}"),
            photos=len(draft.photos),
            note=Field(draft.note or ctx.catalog.plain("returns.no_note")),
            money=Safe(
                ctx.t(
                    f"journey.summary_money.{summary_kind(draft.type, draft.reason)}",
                    amount=format_money(preview, options.order.currency, ctx.catalog.language),
                )
            ),
        ),
        notice=ctx.t("fit.notice_plain"),
    )
    # The Confirm button carries what its summary said: one under an older summary of
    # a request changed since ("no wait, a replacement instead") must not file it.
    shown = card_fingerprint(text)
    ctx.state.data[SUMMARY_SHOWN] = shown
    ctx.reply(text, _nav(ctx, [Button(ctx.catalog.plain("returns.confirm"), f"rc:{shown}")]))


@router.button("rc")
async def confirm(ctx: Context) -> None:
    # A second tap after success finds no flow: the token makes it harmless anyway.
    if not _in_flow(ctx, CONFIRM):
        return
    if ctx.inbound.button is not None and not _latest_summary(ctx, ctx.inbound.button):
        ctx.answer()
        ctx.reply(ctx.t("returns.summary_changed"))
        await show_summary(ctx)
        return
    draft = draft_of(ctx.state.data)
    try:
        claim = await ctx.services.returns.submit(ctx.user.id, draft)
    except DraftInvalid as exc:
        if ctx.catalog.has(f"returns.invalid.{exc.reason}"):
            ctx.reply(ctx.t(f"returns.invalid.{exc.reason}"))
        else:  # the order's status changed since the flow started ("status_completed", ...)
            await _say_not_eligible(ctx, exc.reason, draft.order_id)
        if exc.reason == "photos_required":
            show_photos(ctx)
        else:
            ctx.state.clear()
        return
    questions = escapes.kept_questions(ctx.state.data)
    ctx.state.clear()
    ctx.reply(
        ctx.t(
            "returns.filed",
            claim=claim.number,
            deadline=format_date(
                claim.respond_by, zone=claim.timezone, language=ctx.catalog.language
            )
            if claim.respond_by
            else "—",
        )
    )
    await escapes.answer_kept(ctx, questions)


async def _unusable(ctx: Context, text: str) -> None:
    """Text a step of the return cannot use.  A question put to the shop ("how long
    does the refund take?", "do I pay for the postage?") is kept and answered right
    after the request is sent, as one typed at the note is: answered now, the answer
    and its buttons would bury the step, and a step's answer the model misread would
    leave the flow; dropped with "type what you'd like", the buyer was never answered.
    "can i add another photo" before the photos step is welcomed (they are step 4).
    Anything else gets the step's line on what it takes, and its question again."""
    if ctx.state.step in _BEFORE_PHOTOS and read.asks_to_add_photos(text):
        ctx.reply(ctx.t("journey.photos_welcome"))
        await escapes.reprompt(ctx)
        return
    if await _another_order_meant(ctx, text):
        return
    if (read.a_question_to_keep(text) and read.asks_outright(text)) or await _put_aside(ctx, text):
        # "is it going to cost me anything to send it back?" is about the return, yet
        # a question, not an answer to the step: kept as well; so is "i got charged
        # twice", said of another matter.
        await escapes.keep_question(ctx, text)
        return
    await escapes.not_understood(ctx)


async def _another_order_meant(ctx: Context, text: str) -> bool:
    """ "no, the other order", "actually the lamp order, not this one": the return is
    for another of the buyer's orders, named by "other" or by an item only it holds.
    The draft (nothing filed) gives way to the return's choice of orders, with these
    words, which starts the named order's return at once (found in the demo: "type
    what you'd like").  False when the words name this order's items, or no other."""
    order_id = int(ctx.state.data["order_id"])
    orders = await ctx.services.orders.all_linked(ctx.user.id)
    this = next((o for o in orders if o.id == order_id), None)
    others = [o for o in orders if o.id != order_id]
    if this is None or not others:
        return False
    if items_named.mentioned_items(text, [i.name for i in this.items]):
        return False
    other = only_the_other_order(text) or names_another_order(text)
    if not other and not any(
        items_named.mentioned_items(text, [i.name for i in o.items]) for o in others
    ):
        return False
    questions = escapes.kept_questions(ctx.state.data)
    ctx.state.clear()
    for question in questions:  # still to be answered once this return is filed
        escapes.keep(ctx, question)
    await choose_order(ctx, said=text)
    return True


# ------------------------------------------------------------- typed answers
#
# Each step's text handler does what the matching button does, or says what the step
# takes and asks again (`escapes.not_understood`).  The prompts ask a step's question
# again with its buttons (for "help", for text a step cannot use, after "keep going").


@router.step(ITEMS, photos=True)
async def typed_items(ctx: Context) -> None:
    """An item by name or place ("the mug", "mug please", "the blue one", "2",
    "second"), with a count ("2 mugs"), "all of them", or "done"."""
    if await photo_at_other_step(ctx):
        return
    text = ctx.inbound.text or ""
    options = await _options(ctx)
    if options is None:
        return
    if read.is_done(text) or (
        any((ctx.state.data.get("items") or {}).values())
        and len(read.words(text)) <= 2
        and read.yes_no(text)
    ):
        # "done", and "yes"/"ok" once an item is chosen: on to the next step.
        await items_done(ctx)
        return
    if _said_kind_and_reason(options, text):
        # "la taza llegó rota", "the mug came cracked", or "just the money" once an
        # item is chosen: the item and what else was said are taken (told in one line),
        # and the flow goes on to what is still missing, as from a first message.
        await _take_what_was_said(ctx, options, text, ctx.state.data.get("items"), places=True)
        return
    parcel = read_tracking_answer(text)
    if parcel.number is not None or (parcel.typed is not None and parcel.carrier is not None):
        # "i shipped it today, tracking is 9400…": about a parcel, not a choice of
        # items ("it" of one item read as all of it, and the item was chosen).
        await escapes.not_understood(ctx)
        return
    candidates = _claimable_items(options)
    names = [item.name for item in candidates]
    picked = items_named.chosen_items(text, names)
    if picked is None:
        missing = items_named.missing_item(text, names)
        if missing is not None and read.return_reason(text) is None:
            ctx.reply(ctx.t("returns.typed.no_such_item", word=missing))
            await escapes.reprompt(ctx)
            return
        await _unusable(ctx, text)
        return
    if picked.every:
        # "all of them", "everything except the towel", "the two things" of two: those
        # items and no other, every unit of each that may be returned
        every = [candidates[i] for i in picked.indexes]
        ctx.state.data["items"] = {str(i.id): options.claimable[i.id] for i in every}
        show_items(ctx, options)
        return
    ctx.state.data["items"] = _rescoped(candidates, ctx.state.data.get("items"), picked)
    if len(picked.indexes) > 1:  # "the mug and the bottle": each, as its button would
        await _choose_several(ctx, options, [candidates[i] for i in picked.indexes])
        return
    item = candidates[picked.indexes[0]]
    left = options.claimable[item.id]
    # A count with the name ("2 mugs", "both mugs"); a position ("2") is no count.
    named = read.position(text, len(candidates)) is None
    count = read.read_quantity(text) if named else None
    if count == read.ALL:
        count = left
    if left == 1 or (isinstance(count, int) and 0 < count <= left):
        # Typing an item chooses it (a second "the mug" keeps it; the button toggles).
        quantity = 1 if left == 1 else int(count or 0)
        ctx.state.data["items"] = {**ctx.state.data["items"], str(item.id): quantity}
        show_items(ctx, options)
        return
    ask_quantity(ctx, options, item.id)


async def _choose_several(ctx: Context, options: ReturnOptions, items: list[ItemView]) -> None:
    """Items named together: those with one unit are chosen, and the first with
    several units is asked how many (the others then show in the list)."""
    chosen = dict(ctx.state.data["items"])
    ask = None
    for item in items:
        if options.claimable[item.id] == 1:
            chosen[str(item.id)] = 1
        elif ask is None:
            ask = item.id
    ctx.state.data["items"] = chosen
    if ask is not None:
        ask_quantity(ctx, options, ask)
    else:
        show_items(ctx, options)


@router.prompt(ITEMS)
async def prompt_items(ctx: Context) -> None:
    options = await _options(ctx)
    if options is not None:
        show_items(ctx, options)


@router.step(QUANTITY, photos=True)
async def typed_quantity(ctx: Context) -> None:
    """How many: "2", "two", "both", "all of them", "just one", "none"."""
    if await photo_at_other_step(ctx):
        return
    options = await _options(ctx)
    if options is None:
        return
    item_id = ctx.state.data.get("asking")
    if not isinstance(item_id, int) or item_id not in options.claimable:
        show_items(ctx, options)  # a draft from before the flow remembered the item
        return
    quantity = read.quantity(ctx.inbound.text or "", options.claimable[item_id])
    if quantity is None:
        await _unusable(ctx, ctx.inbound.text or "")
        return
    await _set_quantity(ctx, options, item_id, quantity)


@router.prompt(QUANTITY)
async def prompt_quantity(ctx: Context) -> None:
    options = await _options(ctx)
    if options is None:
        return
    item_id = ctx.state.data.get("asking")
    if isinstance(item_id, int) and item_id in options.claimable:
        ask_quantity(ctx, options, item_id)
    else:
        show_items(ctx, options)


def _nth_button(text: str, values: list[str]) -> str | None:
    """A button chosen by its place ("1", "the second one")."""
    index = read.position(text, len(values))
    return values[index] if index is not None else None


@router.step(TYPE, photos=True)
async def typed_type(ctx: Context) -> None:
    """The kind: "just the money", "send it back for a refund", "exchange", or a place."""
    if await photo_at_other_step(ctx):
        return
    options = await _options(ctx)
    if options is None:
        return
    text = ctx.inbound.text or ""
    offered = [t.value for t in _types(ctx, options)]
    kind = read.claim_type(text)
    value = kind.value if kind is not None else _nth_button(text, offered)
    if value not in offered:
        reason = read.return_reason(text)
        if kind is None and reason is not None and reason in options.eligibility.reasons:
            # "it came smashed": what is wrong, a step early.  Kept for the reason step
            # (which then is skipped), and the kinds that fit it are offered again.
            ctx.state.data["preset"] = {
                **(ctx.state.data.get("preset") or {}),
                "reason": reason.value,
            }
            ctx.reply(ctx.t("returns.reason_noted", reason=_reason_label(ctx, reason)))
            show_types(ctx, options)
            return
        if kind is None and read.asks_about_the_choices(text):
            _explain_types(ctx, options)
            show_types(ctx, options)
            return
        if kind is None and _items_changed(ctx, options, text):  # "just the mug then"
            show_types(ctx, options)
            return
        await _unusable(ctx, text)
        return
    ctx.state.data["type"] = value
    await _after_type(ctx, options)


@router.prompt(TYPE)
async def prompt_type(ctx: Context) -> None:
    options = await _options(ctx)
    if options is not None:
        show_types(ctx, options)


@router.step(REASON, photos=True)
async def typed_reason(ctx: Context) -> None:
    """Why: "broken", "it came cracked", "wrong size", "never arrived", or a place."""
    if await photo_at_other_step(ctx):
        return
    options = await _options(ctx)
    if options is None:
        return
    text = ctx.inbound.text or ""
    offered = [r.value for r in _reasons(ctx, options)]
    reason = read.return_reason(text)
    value = reason.value if reason is not None else _nth_button(text, offered)
    if reason is None and value not in offered and not read.asks_to_add_photos(text):
        # Words no pattern knows ("the seams came apart the first time I wore it"): the
        # reason the corpus's labelled answers make most likely, when sure.
        reason = read.learned_reason(text)
        value = reason.value if reason is not None else None
    if reason is not None and value not in offered and reason in options.eligibility.reasons:
        # "never arrived" after "return and refund": say why it isn't offered here.
        ctx.reply(ctx.t("journey.reason_not_with_type", reason=_reason_label(ctx, reason)))
        show_reasons(ctx, options)
        return
    if value not in offered:
        kind = read.claim_type(text, strict=True) if value is None else None
        if (
            kind is not None
            and kind.value != ctx.state.data.get("type")
            and kind in _types(ctx, options)
        ):
            # "actually can i get a new one instead": the kind changes, and the reason
            # is asked again for it (found in the demo: "type what's wrong").
            ctx.state.data["type"] = kind.value
            ctx.reply(ctx.t("returns.kind_now", kind=type_label(ctx.catalog, kind, None)))
            show_reasons(ctx, options)
            return
        if kind is None and _items_changed(ctx, options, text):  # "only the mug"
            show_reasons(ctx, options)
            return
        await _unusable(ctx, text)
        return
    ctx.state.data["reason"] = value
    show_photos(ctx)


@router.prompt(REASON)
async def prompt_reason(ctx: Context) -> None:
    options = await _options(ctx)
    if options is not None:
        show_reasons(ctx, options)


@router.prompt(PHOTOS)
async def prompt_photos(ctx: Context) -> None:
    show_photos(ctx)


@router.prompt(NOTE)
async def prompt_note(ctx: Context) -> None:
    show_note(ctx)


def _latest_summary(ctx: Context, data: str) -> bool:
    """Whether a Confirm button is the one under the summary of the request as it is
    now (a draft from before summaries were marked takes their plain Confirm)."""
    shown = ctx.state.data.get(SUMMARY_SHOWN)
    return button_args(data) == ([] if shown is None else [shown])


@router.step(CONFIRM, photos=True)
async def typed_confirm(ctx: Context) -> None:
    """Yes ("yes", "send it", "confirm") files the request; a plain no ("no", "nope",
    "discard it") discards it.  Discarding loses the photos too, so anything more than
    a plain no keeps the draft: "wrong reason" or "no wait, I want a replacement
    instead" goes to that part, "not yet" leaves the summary where it is.  A photo is
    added to the request (`photo_at_other_step`), and the summary comes again."""
    if await photo_at_other_step(ctx):
        return
    text = ctx.inbound.text or ""
    if read.not_yet(text):
        ctx.reply(ctx.t("returns.kept"))
        return
    if await _items_changed_late(ctx, text):  # "actually just the mug"
        return
    part = read.part_to_change(text)
    if part is not None:
        await _change(ctx, part, text)
        return
    answer = read.yes_no(text)
    if answer is None:
        await _unusable(ctx, text)
    elif answer:
        await confirm(ctx)
    else:
        await cancel(ctx)


async def _change(ctx: Context, part: str, text: str) -> None:
    """Back to the part of the request the buyer named.  A new kind or reason said in
    the same breath ("I want a replacement instead") is taken at once, and the summary
    comes back; the other parts are kept as they were."""
    options = await _options(ctx)
    if options is None:
        return
    if part == "type":
        kind = read.claim_type(text)
        if kind is not None and kind in _types(ctx, options):
            ctx.state.data["type"] = kind.value
            if ClaimReason(ctx.state.data["reason"]) in _reasons(ctx, options):
                await _after_reason(ctx)
            else:  # the reason given does not go with the new kind
                show_reasons(ctx, options)
            return
        show_types(ctx, options)
    elif part == "reason":
        reason = read.return_reason(text)
        if reason is not None and reason in _reasons(ctx, options):
            ctx.state.data["reason"] = reason.value
            await _after_reason(ctx)
            return
        show_reasons(ctx, options)
    elif part == "items":
        show_items(ctx, options)
    elif part == "photos":
        show_photos(ctx)
    elif part == "note":
        show_note(ctx)
    else:
        ctx.reply(ctx.t("returns.change_what"))


async def _after_reason(ctx: Context) -> None:
    """A changed kind or reason: the summary again, or the photos first when the new
    reason needs them and there are none."""
    if photos_required(ClaimReason(ctx.state.data["reason"])) and not ctx.state.data.get("photos"):
        show_photos(ctx)
    else:
        await show_summary(ctx)


@router.prompt(CONFIRM)
async def prompt_confirm(ctx: Context) -> None:
    await show_summary(ctx)


# -------------------------------------------------------------- back, cancel


@router.button("rb")
@router.back("ret")
async def back(ctx: Context) -> None:
    step = ctx.state.step
    if step not in (QUANTITY, NOTE_CHECK, *ORDER_OF_STEPS):
        _expired(ctx)
        return
    options = await _options(ctx)
    if options is None:
        return
    if step in (ITEMS, QUANTITY):
        if step == ITEMS:  # back from the first step leaves the flow
            await cancel(ctx)
            return
        # Back to the list: from there Continue goes on, not the next quantity.
        ctx.state.data["preset"] = {
            k: v for k, v in (ctx.state.data.get("preset") or {}).items() if k != "next"
        }
        show_items(ctx, options, edit=True)
    elif step == TYPE:
        show_items(ctx, options)
    elif step == REASON:
        show_types(ctx, options)
    elif step == PHOTOS:
        show_reasons(ctx, options)
    elif step == NOTE:
        show_photos(ctx)
    elif step == NOTE_CHECK:
        ctx.state.data.pop(NOTE_ASKED, None)
        show_note(ctx)
    elif step == CONFIRM:
        show_note(ctx)


@router.button("rx")
async def cancel(ctx: Context) -> None:
    if ctx.state.step is None or not ctx.state.step.startswith("ret."):
        _expired(ctx)
        return
    questions = escapes.kept_questions(ctx.state.data)
    ctx.state.clear()
    ctx.reply(ctx.t("returns.cancelled"))
    await escapes.answer_kept(ctx, questions)


__all__ = ["router", "start"]
