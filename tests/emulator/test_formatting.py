"""The parse modes, against tdlib's behaviour and wording."""

from __future__ import annotations

import pytest

from bot.emulator.html import HtmlParseError, parse_html
from bot.emulator.markdown import parse_markdown, parse_markdown_v2
from bot.emulator.text import format_text, utf16_len


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("Привет<p>", 'Unsupported start tag "p" at byte offset 12'),  # bytes, not characters
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ('<a ="x">y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xD83D;",
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_html_errors_match_tdlib(html: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as raised:
        parse_html(html)
    assert str(raised.value) == error


def test_html_entities_cover_every_supported_tag() -> None:
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><del>d</del>"
        '<tg-spoiler>p</tg-spoiler><span class="tg-spoiler">q</span>'
        '<a href="https://shop.example/o/1">link</a><code>c</code>'
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote>quote</blockquote><blockquote expandable>more</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        "&lt;&gt;&amp;&quot;&#39;&#x1F600;"
    )
    text, entities = parse_html(html)
    assert text == "bsieunsdpqlinkcx = 1quotemore👍<>&\"'😀"
    kinds = [entity["type"] for entity in entities]
    assert kinds == [
        "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough",
        "strikethrough", "spoiler", "spoiler", "text_link", "code", "pre", "blockquote",
        "expandable_blockquote", "custom_emoji",
    ]  # fmt: skip
    pre = next(e for e in entities if e["type"] == "pre")
    assert pre["language"] == "python" and pre["length"] == 5
    assert (
        next(e for e in entities if e["type"] == "text_link")["url"] == "https://shop.example/o/1"
    )


def test_offsets_are_utf16_code_units() -> None:
    text, entities = parse_html("😀 <b>ok</b>")
    assert text == "😀 ok"
    assert entities == [{"type": "bold", "offset": 3, "length": 2}]
    assert utf16_len("😀") == 2


def test_user_links_become_text_mentions_for_known_users() -> None:
    user = {"id": 5, "is_bot": False, "first_name": "Bo"}
    _, entities = parse_html(
        '<a href="tg://user?id=5">Bo</a>', resolve_user=lambda uid: user if uid == 5 else None
    )
    assert entities == [{"type": "text_mention", "offset": 0, "length": 2, "user": user}]


def test_whitespace_is_trimmed_and_entities_follow() -> None:
    text, entities = format_text("\n  <b>hi</b> there \n", "HTML", None)
    assert text == "hi there"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_explicit_entities_win_over_parse_mode() -> None:
    text, entities = format_text("<b>x</b>", "HTML", [{"type": "italic", "offset": 0, "length": 3}])
    assert text == "<b>x</b>"
    assert entities == [{"type": "italic", "offset": 0, "length": 3}]


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(
        r"*bold* _it_ __u__ ~s~ ||sp|| [link](https://e.x/a\)b) `c` 1\.5"
    )
    assert text == "bold it u s sp link c 1.5"
    assert [e["type"] for e in entities] == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code",
    ]  # fmt: skip
    assert entities[5]["url"] == "https://e.x/a)b"
    with pytest.raises(HtmlParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*open")
    with pytest.raises(HtmlParseError, match="Character '!' is reserved"):
        parse_markdown_v2("Thanks!")


def test_legacy_markdown() -> None:
    text, entities = parse_markdown("*b* _i_ `c` [x](https://e.x)")
    assert text == "b i c x"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(
        HtmlParseError, match="Can't find end of the entity starting at byte offset 2"
    ):
        parse_markdown("a *b")
