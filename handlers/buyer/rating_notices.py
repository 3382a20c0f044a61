"""The rating request the bot sends some days after delivery (`RatingAsk`), rendered
at send time in the buyer's language: which order (number and what was in it) and
five star buttons, `ra:<order id>:<stars>` (`handlers.buyer.ratings.RATE`)."""

from __future__ import annotations

from bot.services.notices import RatingAsk
from handlers.buyer.ratings import star_keyboard
from handlers.catalog import Catalog
from handlers.fit import Field, Piece, fit, line
from handlers.notifications import renderer
from handlers.types import Outbound, SendText


@renderer(RatingAsk)
def rating_ask(catalog: Catalog, chat_id: int, p: RatingAsk) -> list[Outbound]:
    pieces: list[Piece] = [line(catalog, "rating.ask", number=Field(p.order_number))]
    if p.products:
        pieces.append(line(catalog, "rating.ask_products", products=Field(", ".join(p.products))))
    pieces.append(catalog.t("rating.ask_how"))
    text = fit(*pieces, notice=catalog.t("fit.notice_plain"))
    return [SendText(chat_id, text, star_keyboard(p.order_id))]
