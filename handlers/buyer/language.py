"""/language: the person picks the language the bot writes to them in.

One button per language the shop speaks, each labelled in its own language
("English", "Español"), so anyone finds theirs; typing the language ("español",
"spanish", "es") works too, at the prompt or as `/language es`.  The choice is stored
and always wins over Telegram's language and over the language of what they type
(`bot.domain.languages`); the confirmation is already in the new language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from handlers import escapes
from handlers.catalog import Catalog, available_languages
from handlers.core import Context, Router
from handlers.types import Button, Keyboard

router = Router()

ASK = "language.ask"  # the step: waiting for a language typed or tapped


@cache
def _names(language: str) -> frozenset[str]:
    """What a person may type for `language`: its code, its name in its own catalog,
    and its name in each catalog language, from Babel ("spanish", "inglés")."""
    from babel import Locale

    own = Catalog(language).plain("language.name")
    names = {language, own}
    for reader in available_languages():
        try:
            names.add(Locale.parse(language).get_display_name(reader) or "")
        except (ValueError, LookupError):
            continue
    return frozenset(_plain(name) for name in names if name)


def _plain(text: str) -> str:
    """Lower case without accents: "Español" and "espanol" are the same answer."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def read_language(text: str, languages: tuple[str, ...]) -> str | None:
    """The language among `languages` that `text` names, or None."""
    typed = _plain(text).strip(".!¡¿? ")
    return next((lang for lang in languages if typed in _names(lang)), None)


# Words that make a language named in a message a request to write in it ("can you
# speak spanish?", "english please", "en español por favor", "switch to English").
_ASKS = frozenset(
    {
        "speak", "speaks", "talk", "write", "reply", "answer", "respond", "switch", "change",
        "please", "pls", "plz", "in", "to", "language", "idioma", "habla", "hablas", "hablan",
        "escribe", "escribeme", "escribime", "cambia", "cambiar", "por", "favor",
        "en", "can", "could", "you", "do", "u", "me", "the", "a", "al", "el", "mejor",
        "puedes", "podes", "se", "sabes",
        # "english again", "back to english", "spanish now", "de nuevo en inglés"
        "again", "back", "now", "instead", "ok", "okay", "thanks", "de", "nuevo", "otra", "vez",
    }
)  # fmt: skip
_LANGUAGE_WORDS = frozenset({"language", "idioma", "lang"})
# More words than this is a message about something else that names a language.
_MOST_WORDS = 7


def asks_for_language(text: str, languages: tuple[str, ...]) -> str | None:
    """Outside /language: the language a short request names ("can you speak
    spanish?" → "es"), "ask" for one that names none ("change language"), None for
    anything else ("the manual is only in spanish").  Codes ("es", "en") are not
    names here: "en" is Spanish for "in"."""
    words = [w for w in re.split(r"[^\w]+", _plain(text)) if w]
    if not words or len(words) > _MOST_WORDS:
        return None
    named = {lang for lang in languages for w in words if w in _names(lang) and w != lang}
    if any(w not in _ASKS and not any(w in _names(lang) for lang in languages) for w in words):
        return None  # words about something else
    if len(named) == 1:
        return named.pop()
    if not named and _LANGUAGE_WORDS & set(words):
        return "ask"
    return None


async def language_typed(ctx: Context, text: str) -> bool:
    """A language asked for in words outside any step: chosen, as /language does;
    "change language" shows the choice.  False when the text asks for none.  Found in
    the demo: "can you speak spanish?" got "I can only help with your orders…"."""
    asked = asks_for_language(text, ctx.languages)
    if asked is None:
        return False
    if asked == "ask":
        ctx.state.go(ASK)
        await ask(ctx)
    else:
        await choose(ctx, asked)
    return True


def _keyboard(languages: tuple[str, ...]) -> Keyboard:
    buttons = [Button(Catalog(lang).plain("language.name"), f"lang:{lang}") for lang in languages]
    return Keyboard.of(*(buttons[i : i + 2] for i in range(0, len(buttons), 2)))


@router.command("language")
async def language_command(ctx: Context) -> None:
    typed = ctx.inbound.args.strip()
    if typed:
        chosen = read_language(typed, ctx.languages)
        if chosen is not None:
            await choose(ctx, chosen)
            return
        ctx.reply(ctx.t("language.unknown", typed=typed))
    ctx.state.go(ASK)
    await ask(ctx)


@router.prompt(ASK)
async def ask(ctx: Context) -> None:
    ctx.reply(ctx.t("language.ask"), _keyboard(ctx.languages))


@router.step(ASK)
async def typed_language(ctx: Context) -> None:
    """The language's name, or a short request that names it ("spanish please",
    "english again": found in the demo, both were asked to type the name)."""
    text = ctx.inbound.text or ""
    chosen = read_language(text, ctx.languages)
    if chosen is None and (asked := asks_for_language(text, ctx.languages)) != "ask":
        chosen = asked
    if chosen is None:
        await escapes.not_understood(ctx)
        return
    await choose(ctx, chosen)


@router.button("lang")
async def tapped_language(ctx: Context) -> None:
    code = (ctx.inbound.button or "").partition(":")[2]
    if code not in ctx.languages:
        # A keyboard from before the shop stopped offering this language.
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await choose(ctx, code)


async def choose(ctx: Context, language: str) -> None:
    """The language chosen for this person, and the rest of this update in it."""
    await ctx.services.orders.choose_language(ctx.user.id, language)
    if ctx.state.step == ASK:
        ctx.state.clear()
    ctx.catalog = Catalog(language)  # the rest of this update is in the new language
    ctx.answer()
    ctx.edit_or_reply(ctx.t("language.chosen", name=ctx.catalog.plain("language.name")))
