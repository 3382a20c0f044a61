"""Pictures for tests: the ones buyers (or people pretending to be buyers) send that
Telegram refuses as photos, built byte by byte so that tests never hold their decoded
pixels in memory; photos that differ in their pixels; and how to tell that a stored photo
shows what was sent."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

from PIL import Image, ImageChops, ImageDraw, ImageStat

from bot.emulator import sample_jpeg

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n% invoice 4711\n%%EOF\n"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG of any size, compressed row by row: 20000x20000 is about
    50 KB on disk and 400 MB once decoded."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)
    block = row * 500
    parts = []
    for start in range(0, height, 500):
        rows = min(500, height - start)
        parts.append(compressor.compress(block if rows == 500 else row * rows))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def panorama_png(width: int = 12000, height: int = 700) -> bytes:
    """A real picture Telegram refuses as a photo: width + height over 10000."""
    gradient = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90)  # dark left
    image = gradient.resize((width, height)).convert("RGB")
    return encoded(image, "PNG")


def webp_bomb() -> bytes:
    """A 16384x16384 extended WebP of a few hundred bytes: Pillow allocates its whole
    canvas (1 GB and more) just to open it."""
    small = encoded(Image.new("RGBA", (64, 64), (200, 0, 0, 128)), "WEBP")
    assert small[12:16] == b"VP8X", "Pillow writes RGBA WebP as extended"
    canvas = (16383).to_bytes(3, "little") * 2  # width-1, height-1
    return small[:24] + canvas + small[30:]


def pdf_in_jpeg_shell() -> bytes:
    """A PDF wrapped in a JPEG start and end marker: starts and ends like a JPEG, holds
    no picture.  The old magic-byte check took it; Telegram answers IMAGE_PROCESS_FAILED."""
    comment = PDF + b"%" + bytes(64)
    return b"\xff\xd8" + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + b"\xff\xd9"


def jpeg_pdf_polyglot() -> bytes:
    """A real JPEG picture that is also a PDF: the PDF sits in a comment segment right
    after the start marker (within the first 1024 bytes, where PDF readers look)."""
    return sample_jpeg(seed=PDF.decode())


def jpeg_with_appended_pdf() -> bytes:
    """A real JPEG with a PDF appended after its end marker."""
    return sample_jpeg(seed="appended") + PDF


def photo_jpeg(seed: str, size: tuple[int, int] = (320, 240)) -> bytes:
    """A JPEG photo whose pixels depend on `seed`: a coloured square on a gradient.

    Evidence is stored as decoded pixels, so photos that differ only in their metadata
    (like `sample_jpeg(seed=...)`) become the same stored photo; these do not."""
    digest = hashlib.sha256(seed.encode()).digest()
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    width, height = size
    box = (width // 4, height // 4, width * 3 // 4, height * 3 // 4)
    ImageDraw.Draw(image).rectangle(box, fill=(digest[0], digest[1], digest[2]))
    ImageDraw.Draw(image).text((8, 8), seed[:30], fill=(255, 255, 255))
    return encoded(image, "JPEG", quality=92)


def same_picture(stored: bytes, sent: bytes, tolerance: float = 6.0) -> bool:
    """Whether `stored` shows the picture `sent` showed: same size, and on average each
    channel within `tolerance` of the original (JPEG re-encoding changes a little)."""
    before = Image.open(io.BytesIO(sent)).convert("RGB")
    after = Image.open(io.BytesIO(stored)).convert("RGB")
    if before.size != after.size:
        return False
    return max(ImageStat.Stat(ImageChops.difference(before, after)).mean) <= tolerance
