"""What an image file claims about itself, read from its first bytes, and what Telegram
accepts as a photo.

Only the header is read here (pure Python, no decoding): it is enough to refuse a
decompression bomb before any library allocates memory for its pixels.  Whether the file
really is the picture it claims to be is decided by decoding it
(`bot.services.evidence`), never by these bytes alone.
"""

from __future__ import annotations

import struct
from typing import Literal

ImageKind = Literal["jpeg", "png", "webp", "gif"]

# Bot API sendPhoto: "The photo must be at most 10 MB in size. The photo's width and height
# must not exceed 10000 in total. Width and height ratio must be at most 20."
TELEGRAM_PHOTO_MAX_BYTES = 10 * 1024 * 1024
TELEGRAM_PHOTO_MAX_SUM = 10_000
TELEGRAM_PHOTO_MAX_RATIO = 20

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def telegram_accepts(width: int, height: int) -> bool:
    """Whether Telegram takes a photo of these dimensions (sendPhoto's documented rules)."""
    return (
        width > 0
        and height > 0
        and width + height <= TELEGRAM_PHOTO_MAX_SUM
        and max(width, height) <= TELEGRAM_PHOTO_MAX_RATIO * min(width, height)
    )


def image_kind(data: bytes) -> ImageKind | None:
    """The format the magic bytes announce, or None: a claim to check, not a verdict."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def header_size(data: bytes, kind: ImageKind) -> tuple[int, int] | None:
    """(width, height) as the header declares them, or None when there is no readable
    header.  For JPEG, the first frame header (a JPEG's own dimensions, not a thumbnail's:
    EXIF thumbnails live inside APP1 segments, which are skipped whole)."""
    try:
        if kind == "png":
            if data[12:16] != b"IHDR":
                return None
            width, height = struct.unpack(">II", data[16:24])
        elif kind == "gif":
            width, height = struct.unpack("<HH", data[6:10])
        elif kind == "webp":
            found = _webp_size(data)
            if found is None:
                return None
            width, height = found
        else:
            found = _jpeg_size(data)
            if found is None:
                return None
            width, height = found
    except (struct.error, IndexError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _SOF_MARKERS:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        if marker in (0xDA, 0xD9):  # scan or end of image before any frame header
            return None
        position += 2 + length
    return None
