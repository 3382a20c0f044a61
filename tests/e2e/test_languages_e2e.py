"""Per-language command menus and a Spanish buyer through the real frameworks (issue
16): both aiogram and python-telegram-bot register the buyer's menu once per catalog
language with `language_code`, from the one builder (`handlers.menus`), and the Bot API
emulator keeps each language's menu apart."""

from __future__ import annotations

from bot.emulator import TelegramEmulator
from tests.e2e.conftest import BotProcess

PRIVATE = {"type": "all_private_chats"}


async def test_the_buyer_menu_is_set_per_language_and_a_spanish_buyer_reads_spanish(
    any_bot: BotProcess, emulator: TelegramEmulator
) -> None:
    english = {c["command"]: c["description"] for c in emulator.commands(PRIVATE, "en")}
    spanish = {c["command"]: c["description"] for c in emulator.commands(PRIVATE, "es")}
    fallback = {c["command"]: c["description"] for c in emulator.commands(PRIVATE)}
    # Same commands in every language, each described in that language.
    assert list(english) == list(spanish) == list(fallback)
    assert {"start", "orders", "return", "returns", "language", "help", "cancel"} <= set(english)
    assert english["orders"] == "My orders and where they are"
    assert spanish["orders"] == "Mis pedidos y dónde están"
    assert spanish["language"] == "Cambiar el idioma"
    assert fallback == english  # no dedicated menu: the default language's

    ana = emulator.user(1001, "Ana", language_code="es")
    await ana.send("/start")
    greeting = await ana.wait_message()
    assert "¡Hola, Ana!" in greeting["text"]
    await ana.send("/language")
    ask = await ana.wait_message()
    labels = [b["text"] for row in ask["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["English", "Español"]
    await ana.press("English")
    await ana.wait_callback_answer()
    await ana.send("/help")
    assert "What I can do" in (await ana.wait_message())["text"]  # her choice, not Telegram's
