"""From a bot's (text, parse_mode, entities) to the text and entities Telegram stores.

Telegram measures and offsets everything in UTF-16 code units, trims surrounding
whitespace, and detects commands, mentions, hashtags and links on its own.  Doing the same
here means the length limits (4096 for text, 1024 for captions) bite exactly where they bite
in production, and scripted users' "/start abc" carries a real bot_command entity.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.errors import ApiError, bad_request, entity_parse_error
from bot.emulator.html import HtmlParseError, UserResolver, parse_html, sort_entities
from bot.emulator.markdown import parse_markdown, parse_markdown_v2

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

ENTITY_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)
# Telegram does not detect links, commands, ... inside these.
_OPAQUE = frozenset(
    {"code", "pre", "text_link", "text_mention", "url", "email", "custom_emoji", "date_time"}
)
_TRIMMED = " \t\r\n"

_DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("url", re.compile(r"(?<![\w@/.])(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]'’]")),
    (
        "email",
        re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    ),
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])"),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#(?=\w*[^\W\d_])\w{1,256}(?![\w#])")),
    ("cashtag", re.compile(r"(?<![\w$])\$[A-Z]{1,8}(?![\w$])")),
)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram limit and offset."""
    return len(text.encode("utf-16-le")) // 2


def _utf16_index(text: str) -> list[int]:
    """UTF-16 offset of each code point boundary: result[i] is the offset of text[i]."""
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return offsets


def _clip_entities(entities: list[dict[str, Any]], start: int, end: int) -> list[dict[str, Any]]:
    """Entities moved into the window [start, end) of UTF-16 offsets; empty ones dropped."""
    result: list[dict[str, Any]] = []
    for entity in entities:
        begin = max(entity["offset"], start)
        finish = min(entity["offset"] + entity["length"], end)
        if finish > begin:
            result.append({**entity, "offset": begin - start, "length": finish - begin})
    return result


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace like Telegram, moving entity offsets along."""
    stripped_left = text.lstrip(_TRIMMED)
    lead = utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip(_TRIMMED)
    return result, _clip_entities(entities, lead, lead + utf16_len(result))


def detect_entities(
    text: str, existing: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Entities Telegram finds by itself (commands, mentions, hashtags, links, e-mails)."""
    existing = existing or []
    offsets = _utf16_index(text)
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in existing if e["type"] in _OPAQUE
    ]
    found: list[dict[str, Any]] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            begin, end = offsets[match.start()], offsets[match.end()]
            if any(begin < stop and start < end for start, stop in taken):
                continue
            taken.append((begin, end))
            found.append({"type": kind, "offset": begin, "length": end - begin})
    return found


def _check_entities(raw: Any, text: str) -> list[dict[str, Any]]:
    """Explicit `entities`: validated like the Bot API, clipped to the text like tdlib."""
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    result: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse MessageEntity: expected an Object")
        kind = item.get("type")
        if not isinstance(kind, str):
            raise bad_request('can\'t parse MessageEntity: Field "type" must be of type String')
        if kind not in ENTITY_TYPES:
            raise bad_request("can't parse MessageEntity: Unsupported type specified")
        for field in ("offset", "length"):
            if not isinstance(item.get(field), int) or isinstance(item.get(field), bool):
                raise bad_request(
                    f'can\'t parse MessageEntity: Field "{field}" must be of type Integer'
                )
        if kind == "text_link" and not isinstance(item.get("url"), str):
            raise bad_request('can\'t parse MessageEntity: Field "url" must be of type String')
        if kind == "text_mention" and not isinstance(item.get("user"), dict):
            raise bad_request('can\'t parse MessageEntity: Field "user" must be of type Object')
        if item["offset"] < 0 or item["length"] <= 0:
            continue
        result.append(dict(item))
    return _clip_entities(result, 0, utf16_len(text))


def format_text(
    text: str,
    parse_mode: str | None,
    entities: Any,
    *,
    strict_ampersand: bool = True,
    resolve_user: UserResolver | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities as Telegram stores them; ApiError when Telegram refuses the text.

    Explicit `entities` win over `parse_mode`, as in the Bot API.  Length limits are the
    caller's business because they differ for texts and captions.
    """
    if entities is not None:
        parsed_text, parsed = text, _check_entities(entities, text)
    elif parse_mode:
        mode = parse_mode.lower()
        try:
            if mode == "html":
                parsed_text, parsed = parse_html(
                    text, strict_ampersand=strict_ampersand, resolve_user=resolve_user
                )
            elif mode == "markdownv2":
                parsed_text, parsed = parse_markdown_v2(text, resolve_user=resolve_user)
            elif mode == "markdown":
                parsed_text, parsed = parse_markdown(text, resolve_user=resolve_user)
            else:
                raise bad_request("unsupported parse_mode")
        except HtmlParseError as error:
            raise entity_parse_error(str(error)) from None
    else:
        parsed_text, parsed = text, []
    parsed_text, parsed = trim(parsed_text, parsed)
    parsed.extend(detect_entities(parsed_text, parsed))
    return parsed_text, sort_entities(parsed)


def check_length(text: str, limit: int, too_long: str) -> None:
    """Raise Telegram's `too_long` error when `text` exceeds `limit` UTF-16 units."""
    if utf16_len(text) > limit:
        raise ApiError(400, f"Bad Request: {too_long}")
