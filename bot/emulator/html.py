"""Telegram's HTML parse mode, re-implemented after tdlib's `parse_html`.

Why not `html.parser`: Telegram is far stricter than browsers and its refusals are what the
bot must survive.  This parser walks the UTF-8 bytes the way tdlib does, so the error texts
and the byte offsets in them match what api.telegram.org returns
(`Unsupported start tag "br" at byte offset 5`), and entity offsets are counted in UTF-16
code units like Telegram's.

One deliberate, switchable difference: tdlib keeps a bare `&` that starts no known entity
as a literal character, while the Bot API documentation says every `&` must be escaped.
With `strict_ampersand=True` (the emulator's default) a bare `&` is refused, so a bot that
forgets to escape user-provided text fails in tests rather than on the first "<".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

# tdlib's is_space(); NUL counts because tdlib reads a NUL-terminated C string.
_SPACES = frozenset(b" \t\r\n\0\v")
_SIMPLE_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_REFERENCES = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}

# tdlib orders entities starting at the same offset by length, then by this priority.
TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 10,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}

#: Resolves a user id from a tg://user?id= link to a Bot API User dict, or None if unknown.
UserResolver = Callable[[int], dict[str, Any] | None]


class HtmlParseError(ValueError):
    """tdlib's parse error text, without the Bot API's "can't parse entities: " prefix."""


@dataclass
class _Open:
    tag: str
    argument: str
    attributes: dict[str, str]
    utf16_offset: int
    result_position: int


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entities in Telegram's order: by offset, longer first, then by type priority."""
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], TYPE_PRIORITY.get(e["type"], 50)),
    )


def _decode_reference(data: bytes, position: int) -> tuple[int, int]:
    """(code point, position after it) for `&...` at `position`; code point 0 if invalid.

    Accepts what tdlib accepts: &lt; &gt; &amp; &quot; and decimal/hex numeric references,
    the trailing ';' being optional.
    """
    size = len(data)
    end = position + 1
    code = 0
    if end < size and data[end] == ord("#"):
        end += 1
        if end < size and data[end] == ord("x"):
            end += 1
            while end < size and chr(data[end]) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
                if code >= 0x10FFFF:
                    return 0, position
        else:
            while end < size and 48 <= data[end] <= 57:
                code = code * 10 + data[end] - 48
                end += 1
                if code >= 0x10FFFF:
                    return 0, position
        if code == 0 or end - position >= 10:
            return 0, position
    else:
        while end < size and chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        code = _NAMED_REFERENCES.get(data[position + 1 : end], 0)
        if code == 0:
            return 0, position
    if end < size and data[end] == ord(";"):
        end += 1
    return code, end


def _utf16_units(code_point: int) -> int:
    return 2 if code_point > 0xFFFF else 1


def check_url(url: str) -> str | None:
    """The URL Telegram would link to, or None if it would drop the link.

    Like tdlib's check_url: a missing protocol means http://, and only web-ish protocols
    make a text_link.
    """
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    if "://" in url:
        scheme = url.split("://", 1)[0].lower()
        if scheme not in {"http", "https", "tg", "ton", "tonsite"}:
            return None
        return url
    host = url.split("/", 1)[0]
    if "." not in host or host.startswith(".") or host.endswith("."):
        return None
    return f"http://{url}"


def _tg_user_id(url: str) -> int | None:
    prefix = "tg://user?id="
    if url.lower().startswith(prefix) and url[len(prefix) :].isdigit():
        return int(url[len(prefix) :])
    return None


class _Parser:
    def __init__(self, text: str, strict_ampersand: bool, resolve_user: UserResolver) -> None:
        self.data = text.encode("utf-8")
        self.strict_ampersand = strict_ampersand
        self.resolve_user = resolve_user
        self.result = bytearray()
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []
        self.utf16_offset = 0
        self.decoded_surrogate = False

    def at(self, index: int) -> int:
        return self.data[index] if index < len(self.data) else 0

    def is_space(self, index: int) -> bool:
        return self.at(index) in _SPACES

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        i = 0
        size = len(self.data)
        while i < size:
            c = self.data[i]
            if c == ord("&"):
                code, after = _decode_reference(self.data, i)
                if code:
                    self._append_code_point(code)
                    i = after
                    continue
                if self.strict_ampersand:
                    raise HtmlParseError(
                        f'Character "&" at byte offset {i} must be escaped as "&amp;"'
                    )
            if c != ord("<"):
                if c & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                    self.utf16_offset += 2 if c >= 0xF0 else 1
                self.result.append(c)
                i += 1
                continue
            i = self._end_tag(i) if self.at(i + 1) == ord("/") else self._start_tag(i)
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        if self.decoded_surrogate:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        return self.result.decode("utf-8"), sort_entities(self.entities)

    def _append_code_point(self, code: int) -> None:
        if 0xD800 <= code <= 0xDFFF:
            self.decoded_surrogate = True
            return
        self.result.extend(chr(code).encode("utf-8"))
        self.utf16_offset += _utf16_units(code)

    def _start_tag(self, begin: int) -> int:
        i = begin + 1
        while not self.is_space(i) and self.at(i) != ord(">"):
            i += 1
        if self.at(i) == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        tag = self.data[begin + 1 : i].decode("utf-8", "replace").lower()
        if tag not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument = ""
        attributes: dict[str, str] = {}
        while self.at(i) != ord(">"):
            while self.at(i) != 0 and self.is_space(i):
                i += 1
            if self.at(i) == ord(">"):
                break
            name_begin = i
            while not self.is_space(i) and self.at(i) not in b"=>/\"'":
                i += 1
            name = self.data[name_begin:i].decode("utf-8", "replace")
            if not name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            while self.at(i) != 0 and self.is_space(i):
                i += 1
            if self.at(i) != ord("="):
                if self.at(i) == 0:
                    raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                continue
            i += 1
            while self.at(i) != 0 and self.is_space(i):
                i += 1
            if self.at(i) == 0:
                raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            value, i = self._attribute_value(i)
            if self.at(i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            attributes[name] = value
            if (tag, name) in {("a", "href"), ("tg-emoji", "emoji-id")}:
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "blockquote" and name == "expandable":
                argument = "1"
        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.stack.append(_Open(tag, argument, attributes, self.utf16_offset, len(self.result)))
        return i + 1

    def _attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in (ord("'"), ord('"')):
            token_begin = i
            while (chr(self.at(i)).isalnum() and self.at(i) < 128) or self.at(i) in b".-":
                i += 1
            if not self.is_space(i) and self.at(i) != ord(">"):
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return self.data[token_begin:i].decode("utf-8", "replace").lower(), i
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == ord("&"):
                code, after = _decode_reference(self.data, i)
                if code:
                    value.extend(chr(code).encode("utf-8", "surrogatepass"))
                    i = after
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _end_tag(self, begin: int) -> int:
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 2
        while not self.is_space(i) and self.at(i) != ord(">"):
            i += 1
        end_tag = self.data[begin + 2 : i].decode("utf-8", "replace").lower()
        while self.is_space(i) and self.at(i) != 0:
            i += 1
        if self.at(i) != ord(">"):
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        opened = self.stack[-1]
        if end_tag and end_tag != opened.tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{opened.tag}>", '
                f'found "</{end_tag}>"'
            )
        if self.utf16_offset > opened.utf16_offset:
            self._add_entity(opened, self.utf16_offset - opened.utf16_offset)
        self.stack.pop()
        return i + 1

    def _add_entity(self, opened: _Open, length: int) -> None:
        offset = opened.utf16_offset
        entity: dict[str, Any] = {"offset": offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last["offset"] == offset and last["length"] == length
        tag = opened.tag
        if tag in _SIMPLE_ENTITIES:
            self.entities.append({"type": _SIMPLE_ENTITIES[tag], **entity})
        elif tag == "blockquote":
            kind = "expandable_blockquote" if opened.argument else "blockquote"
            self.entities.append({"type": kind, **entity})
        elif tag == "tg-emoji":
            if not opened.argument.isdigit() or not 0 < int(opened.argument) < 2**63:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            self.entities.append(
                {"type": "custom_emoji", **entity, "custom_emoji_id": opened.argument}
            )
        elif tag == "tg-time":
            unix = opened.attributes.get("unix", "")
            if unix.isdigit():
                time_entity: dict[str, Any] = {"type": "date_time", **entity}
                time_entity["unix_time"] = int(unix)
                if opened.attributes.get("format"):
                    time_entity["date_time_format"] = opened.attributes["format"]
                self.entities.append(time_entity)
        elif tag == "a":
            url = opened.argument or self.result[opened.result_position :].decode("utf-8")
            user_id = _tg_user_id(url)
            user = self.resolve_user(user_id) if user_id is not None else None
            if user is not None:
                self.entities.append({"type": "text_mention", **entity, "user": user})
            elif user_id is None and (checked := check_url(url)) is not None:
                self.entities.append({"type": "text_link", **entity, "url": checked})
        elif tag == "pre":
            if same_span and last is not None and last["type"] == "code" and "language" in last:
                last["type"] = "pre"
            else:
                self.entities.append({"type": "pre", **entity})
        elif tag == "code":
            if same_span and last is not None and last["type"] == "pre" and opened.argument:
                last["language"] = opened.argument
            else:
                code: dict[str, Any] = {"type": "code", **entity}
                if opened.argument:
                    code["language"] = opened.argument
                self.entities.append(code)


def parse_html(
    text: str,
    *,
    strict_ampersand: bool = True,
    resolve_user: UserResolver | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and Bot API MessageEntity dicts for Telegram-HTML `text`.

    Raises HtmlParseError with tdlib's wording when Telegram would refuse the text.
    """
    return _Parser(text, strict_ampersand, resolve_user or (lambda _user_id: None)).run()
