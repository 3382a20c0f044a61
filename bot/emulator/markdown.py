"""Telegram's MarkdownV2 and legacy Markdown parse modes, after tdlib.

The product formats with HTML, but a stray `parse_mode="MarkdownV2"` must fail the way it
fails in production: MarkdownV2 refuses every unescaped reserved character
(`Character '.' is reserved and must be escaped with the preceding '\\'`), the most common
Telegram formatting bug.  Byte offsets and UTF-16 entity offsets follow tdlib.

Simplification: a MarkdownV2 block quotation is a run of lines starting with ">"; the
expandable form ("**>" ... "||") is not recognised.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.html import HtmlParseError, UserResolver, check_url, sort_entities

_RESERVED = b"_*[]()~`>#+-=|{}.!"
_SPACES = frozenset(b" \t\r\n\0\v")
# tdlib's names for entity types in "Can't find end of <Type> entity" errors.
_TDLIB_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "custom_emoji": "CustomEmoji",
}


class _Text:
    """Output buffer that tracks the UTF-16 offset of what was written."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.utf16 = 0

    def add(self, byte: int) -> None:
        if byte & 0xC0 != 0x80:
            self.utf16 += 2 if byte >= 0xF0 else 1
        self.buffer.append(byte)


def _link_entity(
    url: str, offset: int, length: int, resolve_user: UserResolver
) -> dict[str, Any] | None:
    prefix = "tg://user?id="
    if url.lower().startswith(prefix) and url[len(prefix) :].isdigit():
        user = resolve_user(int(url[len(prefix) :]))
        if user is None:
            return None
        return {"type": "text_mention", "offset": offset, "length": length, "user": user}
    checked = check_url(url)
    if checked is None:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


def _skip_pre_language(data: bytes, i: int) -> tuple[int, str]:
    """After an opening ```, read an optional language and skip one leading newline."""
    size = len(data)

    def at(index: int) -> int:
        return data[index] if index < size else 0

    language = ""
    end = i
    while at(end) not in _SPACES and at(end) != ord("`"):
        end += 1
    if end != i and end < size and at(end) != ord("`"):
        language = data[i:end].decode("utf-8", "replace")
        i = end
    if at(i) in (ord("\n"), ord("\r")):
        pair = at(i + 1) in (ord("\n"), ord("\r")) and at(i + 1) != at(i)
        i += 2 if pair else 1
    return i, language


def parse_markdown_v2(
    text: str, *, resolve_user: UserResolver | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for MarkdownV2 `text`; HtmlParseError in tdlib's words."""
    resolve = resolve_user or (lambda _user_id: None)
    data = text.encode("utf-8")
    size = len(data)

    def at(index: int) -> int:
        return data[index] if index < size else 0

    out = _Text()
    entities: list[dict[str, Any]] = []
    # (type, argument, utf16 offset, byte offset in input, byte position in output)
    stack: list[tuple[str, str, int, int, int]] = []
    quote_start: int | None = None
    i = 0
    while i < size:
        c = data[i]
        at_line_start = i == 0 or data[i - 1] == ord("\n")
        if quote_start is not None and at_line_start and c != ord(">") and i > 0:
            _close_quote(entities, quote_start, out)
            quote_start = None
        if c == ord("\\") and 0 < at(i + 1) <= 126:
            out.add(data[i + 1])
            i += 2
            continue
        in_code = bool(stack) and stack[-1][0] in ("code", "pre", "pre_code")
        reserved = b"`" if in_code else _RESERVED
        if c not in reserved:
            out.add(c)
            i += 1
            continue
        if c == ord(">") and at_line_start and not stack:
            if quote_start is None:
                quote_start = out.utf16
            i += 1
            continue
        top = stack[-1][0] if stack else None
        closing = {
            "bold": c == ord("*"),
            "italic": c == ord("_") and at(i + 1) != ord("_"),
            "underline": c == ord("_") and at(i + 1) == ord("_"),
            "strikethrough": c == ord("~"),
            "spoiler": c == ord("|") and at(i + 1) == ord("|"),
            "text_link": c == ord("]"),
            "custom_emoji": c == ord("]"),
            "code": c == ord("`"),
            "pre": c == ord("`") and at(i + 1) == ord("`") and at(i + 2) == ord("`"),
            "pre_code": c == ord("`") and at(i + 1) == ord("`") and at(i + 2) == ord("`"),
        }.get(top or "", False)
        if not closing:
            i = _open_entity(data, i, stack, out)
            continue
        kind, argument, offset, _byte_offset, begin_pos = stack.pop()
        empty = out.utf16 == offset
        entity: dict[str, Any] | None = None
        length = out.utf16 - offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        if kind == "text_link":
            if at(i + 1) != ord("("):
                url = out.buffer[begin_pos:].decode("utf-8", "replace")
            else:
                i += 2
                url_begin = i
                url_bytes = bytearray()
                while i < size and data[i] != ord(")"):
                    if data[i] == ord("\\") and 0 < at(i + 1) <= 126:
                        url_bytes.append(data[i + 1])
                        i += 2
                        continue
                    url_bytes.append(data[i])
                    i += 1
                if at(i) != ord(")"):
                    raise HtmlParseError(f"Can't find end of a URL at byte offset {url_begin}")
                url = url_bytes.decode("utf-8", "replace")
            entity = None if empty else _link_entity(url, offset, length, resolve)
        elif kind == "custom_emoji":
            if at(i + 1) != ord("("):
                raise HtmlParseError("Custom emoji entity must contain a tg://emoji URL")
            close = data.find(b")", i + 2)
            if close < 0:
                raise HtmlParseError(f"Can't find end of a custom emoji URL at byte offset {i + 2}")
            url = data[i + 2 : close].decode("utf-8", "replace")
            prefix = "tg://emoji?id="
            emoji_id = url[len(prefix) :] if url.startswith(prefix) else ""
            if not emoji_id.isdigit() or int(emoji_id) == 0:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            i = close
            entity = {"type": "custom_emoji", "offset": offset, "length": length}
            entity["custom_emoji_id"] = emoji_id
        elif not empty:
            entity = {"type": "pre" if kind == "pre_code" else kind, "offset": offset}
            entity["length"] = length
            if kind == "pre_code":
                entity["language"] = argument
        if entity is not None and not empty:
            entities.append(entity)
        i += 1
    if stack:
        kind, _argument, _offset, byte_offset, _begin = stack[-1]
        raise HtmlParseError(
            f"Can't find end of {_TDLIB_NAMES[kind]} entity at byte offset {byte_offset}"
        )
    if quote_start is not None:
        _close_quote(entities, quote_start, out)
    return out.buffer.decode("utf-8"), sort_entities(entities)


def _close_quote(entities: list[dict[str, Any]], start: int, out: _Text) -> None:
    end = out.utf16
    if out.buffer.endswith(b"\n"):
        end -= 1
    if end > start:
        entities.append({"type": "blockquote", "offset": start, "length": end - start})


def _open_entity(
    data: bytes, i: int, stack: list[tuple[str, str, int, int, int]], out: _Text
) -> int:
    """Push the entity that starts at data[i]; return the index after its opening mark."""
    size = len(data)

    def at(index: int) -> int:
        return data[index] if index < size else 0

    c = data[i]
    begin = i
    argument = ""
    if c == ord("_") and at(i + 1) == ord("_"):
        kind, i = "underline", i + 2
    elif c == ord("_"):
        kind, i = "italic", i + 1
    elif c == ord("*"):
        kind, i = "bold", i + 1
    elif c == ord("~"):
        kind, i = "strikethrough", i + 1
    elif c == ord("|") and at(i + 1) == ord("|"):
        kind, i = "spoiler", i + 2
    elif c == ord("["):
        kind, i = "text_link", i + 1
    elif c == ord("!") and at(i + 1) == ord("["):
        kind, i = "custom_emoji", i + 2
    elif c == ord("`") and at(i + 1) == ord("`") and at(i + 2) == ord("`"):
        i, argument = _skip_pre_language(data, i + 3)
        kind = "pre_code" if argument else "pre"
    elif c == ord("`"):
        kind, i = "code", i + 1
    else:
        raise HtmlParseError(
            f"Character '{chr(c)}' is reserved and must be escaped with the preceding '\\'"
        )
    stack.append((kind, argument, out.utf16, begin, len(out.buffer)))
    return i


def parse_markdown(
    text: str, *, resolve_user: UserResolver | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for legacy Markdown `text` (*bold*, _italic_, `code`, links)."""
    resolve = resolve_user or (lambda _user_id: None)
    data = text.encode("utf-8")
    size = len(data)

    def at(index: int) -> int:
        return data[index] if index < size else 0

    out = _Text()
    entities: list[dict[str, Any]] = []
    i = 0
    while i < size:
        c = data[i]
        if c == ord("\\") and at(i + 1) in b"_*`[" and at(i + 1):
            out.add(data[i + 1])
            i += 2
            continue
        if c not in b"_*`[":
            out.add(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        is_pre = False
        language = ""
        i += 1
        if c == ord("`") and at(i) == ord("`") and at(i + 1) == ord("`"):
            is_pre = True
            i, language = _skip_pre_language(data, i + 2)
        offset = out.utf16
        while i < size and (
            data[i] != end_char or (is_pre and not (at(i + 1) == ord("`") == at(i + 2)))
        ):
            out.add(data[i])
            i += 1
        if i >= size:
            raise HtmlParseError(f"Can't find end of the entity starting at byte offset {begin}")
        length = out.utf16 - offset
        if length:
            if c == ord("_"):
                entities.append({"type": "italic", "offset": offset, "length": length})
            elif c == ord("*"):
                entities.append({"type": "bold", "offset": offset, "length": length})
            elif c == ord("`"):
                entity: dict[str, Any] = {"type": "pre" if is_pre else "code"}
                entity.update(offset=offset, length=length)
                if language:
                    entity["language"] = language
                entities.append(entity)
        if c == ord("["):
            label = data[begin + 1 : i].decode("utf-8", "replace")
            url = label
            if at(i + 1) == ord("("):
                close = data.find(b")", i + 2)
                close = size if close < 0 else close
                url = data[i + 2 : close].decode("utf-8", "replace")
                i = close
            link = _link_entity(url, offset, length, resolve) if length else None
            if link is not None:
                entities.append(link)
        if is_pre:
            i += 2
        i += 1
    return out.buffer.decode("utf-8"), sort_entities(entities)
