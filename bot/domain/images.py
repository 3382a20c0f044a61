"""Recognising images by their bytes, not by their file name or claimed MIME type.

A buyer can send "photo.jpg" that is really a PDF; only the content decides.  We accept
the formats Telegram clients send as photos or image files: JPEG, PNG and WebP.
"""

from __future__ import annotations

import struct


def sniff_image(data: bytes) -> str | None:
    """The MIME type of a complete JPEG/PNG/WebP image, or None for anything else
    (including truncated files that merely start like an image)."""
    if len(data) < 16:
        return None
    if data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and b"IEND" in data[-16:]:
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        declared = struct.unpack("<I", data[4:8])[0] + 8
        if declared == len(data) and data[12:15] == b"VP8":
            return "image/webp"
    return None


EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
