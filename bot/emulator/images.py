"""Sample images and image-header sniffing, without Pillow.

Tests need realistic photo bytes (a return request with photos, an album), and the emulator
needs each photo's width and height to build Telegram's `PhotoSize` arrays.  The emulator stays
free of imaging libraries (it must start anywhere the bot's tests run), so PNGs are built
with zlib+struct, a small real JPEG ships as an asset, and dimensions are read from the
file headers.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache
from importlib import resources

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def sample_png(
    width: int = 64,
    height: int = 48,
    color: tuple[int, int, int] = (70, 130, 180),
    *,
    seed: str | int | None = None,
) -> bytes:
    """A valid RGB PNG: a diagonal gradient around `color`.

    `seed` adds a tEXt chunk, so equal sizes and colours still give distinct bytes (distinct
    uploads), while the pixels, and so the dimensions, stay the same.
    """
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    rows = bytearray()
    span = max(width + height - 2, 1)
    for y in range(height):
        rows.append(0)  # filter type "None" for the row
        for x in range(width):
            shade = (x + y) * 60 // span - 30
            rows.extend(max(0, min(255, channel + shade)) for channel in color)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", header)]
    if seed is not None:
        chunks.append(_png_chunk(b"tEXt", b"Comment\x00" + str(seed).encode("utf-8")))
    chunks.append(_png_chunk(b"IDAT", zlib.compress(bytes(rows), 9)))
    chunks.append(_png_chunk(b"IEND", b""))
    return _PNG_SIGNATURE + b"".join(chunks)


@cache
def _asset(name: str) -> bytes:
    return resources.files("bot.emulator").joinpath("assets", name).read_bytes()


def sample_jpeg(seed: str | int | None = None) -> bytes:
    """A real 320x240 baseline JPEG (a parcel on a gradient), from bot/emulator/assets.

    `seed` inserts a JPEG comment (COM) segment right after the SOI marker, so tests can
    make any number of distinct, still valid photos.
    """
    data = _asset("sample.jpg")
    if seed is None:
        return data
    comment = str(seed).encode("utf-8")[:60000]
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def sample_sticker() -> bytes:
    """A real 512x512 WebP sticker (a smiling face), from bot/emulator/assets."""
    return _asset("sticker.webp")


def image_format(data: bytes) -> str | None:
    """ "jpeg", "png", "gif", "webp" or "bmp" from the magic bytes; None if not an image."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from the image header, or None when it cannot be read.

    Only headers are read: enough to emulate Telegram's IMAGE_PROCESS_FAILED and
    PHOTO_INVALID_DIMENSIONS refusals and to fill PhotoSize width/height.
    """
    try:
        kind = image_format(data)
        if kind == "png" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return (width, height) if width and height else None
        if kind == "gif":
            width, height = struct.unpack("<HH", data[6:10])
            return (width, height) if width and height else None
        if kind == "bmp":
            width, height = struct.unpack("<ii", data[18:26])
            return (abs(width), abs(height)) if width and height else None
        if kind == "webp":
            return _webp_size(data)
        if kind == "jpeg":
            return _jpeg_size(data)
    except (struct.error, IndexError):
        return None
    return None


def image_complete(data: bytes) -> bool:
    """Whether the file's structure holds a whole image, as far as it can be told without
    decoding: Telegram decodes every photo it is sent and answers IMAGE_PROCESS_FAILED
    when that fails, so the emulator refuses what is visibly cut short or broken.

    JPEG: a frame header, a scan, and an end-of-image marker after the scan (bytes after
    it, such as an appended PDF, are ignored as decoders do).  PNG: chunks that add up,
    with valid CRCs, IHDR, image data and IEND.  WebP: the RIFF length fits the file.
    """
    try:
        kind = image_format(data)
        if image_size(data) is None:
            return False
        if kind == "jpeg":
            return _jpeg_complete(data)
        if kind == "png":
            return _png_complete(data)
        if kind == "webp":
            return struct.unpack("<I", data[4:8])[0] + 8 <= len(data)
        return kind is not None
    except (struct.error, IndexError):
        return False


def _jpeg_complete(data: bytes) -> bool:
    position = 2
    frame = False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        frame = frame or marker in _SOF_MARKERS
        if marker == 0xDA:  # the first scan: the image must end after it
            return frame and data.find(b"\xff\xd9", position + 2 + length) != -1
        position += 2 + length
    return False


def _png_complete(data: bytes) -> bool:
    position = len(_PNG_SIGNATURE)
    seen: set[bytes] = set()
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 8 + length
        if end + 4 > len(data):
            return False
        (crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(data[position + 4 : end]) & 0xFFFFFFFF != crc:
            return False
        if kind == b"IEND":
            return b"IHDR" in seen and b"IDAT" in seen
        seen.add(kind)
        position = end + 4
    return False


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


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


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
            return (width, height) if width and height else None
        if marker == 0xDA:  # start of scan before any frame header: broken file
            return None
        position += 2 + length
    return None
