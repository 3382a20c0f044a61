"""Turning a picture a person sent into a photo Telegram will show to the seller.

A claim photo is later uploaded to sellers and staff as a *photo*, and Telegram refuses
photos it cannot process (IMAGE_PROCESS_FAILED) or whose dimensions it does not take
(PHOTO_INVALID_DIMENSIONS).  A refusal there comes too late: the buyer has left, and the
seller's notification fails while the response clock runs.  So evidence is decided here,
when the buyer is still in the chat and can send another picture:

* the header is read first (pure Python), and anything that would decode to more than
  `MAX_PIXELS` is refused before Pillow allocates a single pixel (decompression bombs);
* the file is opened with the Pillow plugin of the format its bytes announce, not through
  `Image.open`, so the limit is ours, per call, and no global Pillow setting is changed;
* it is decoded completely: a truncated or corrupt file is refused, not padded with grey;
* what is accepted is re-encoded as a baseline JPEG that fits Telegram's photo rules:
  EXIF orientation applied, colours converted to sRGB on white (alpha, palette, CMYK,
  16-bit), the longest side at most `MAX_SIDE`, at most 10 MB.  Metadata (EXIF with GPS
  positions, comments) and anything appended after the image (a PDF in a polyglot, a ZIP)
  are not carried over: only decoded pixels are.

Refusal reasons are catalog key suffixes (`returns.photo_<reason>`).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image, ImageCms, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from bot.domain.images import (
    TELEGRAM_PHOTO_MAX_BYTES,
    TELEGRAM_PHOTO_MAX_RATIO,
    header_size,
    image_kind,
    telegram_accepts,
)

log = logging.getLogger(__name__)

#: Most pixels we let a picture decode to: 50 megapixels is more than a phone camera's
#: normal photo (12-50 MP) or an 8K screenshot (33 MP), and at 4 bytes a pixel bounds the
#: memory one decode may take to about 200 MB.
MAX_PIXELS = 50_000_000
#: Longest side of the stored photo.  Telegram keeps at most 2560 px of a photo, so a
#: larger one shows the seller nothing more; it also keeps width + height far below 10000.
MAX_SIDE = 2560
#: A picture smaller than this on its short side shows nothing a seller can judge (and a
#: 1x1 image is a tracking pixel or a probe, not evidence).
MIN_SIDE = 32
#: JPEG qualities tried in turn until the photo fits Telegram's 10 MB (the first one fits
#: every real photo at MAX_SIDE; the others only matter for noise-like pictures).
QUALITIES = (90, 80, 65, 50)

Reason = Literal[
    "not_image",  # not a JPEG, PNG or WebP at all
    "broken",  # starts like one, but does not decode (truncated, corrupt, a polyglot shell)
    "animated",  # GIF, animated PNG or WebP: not a still picture
    "too_large",  # more pixels than MAX_PIXELS
    "too_narrow",  # aspect ratio beyond Telegram's 20:1
    "too_small",  # shorter side below MIN_SIDE
]
REASONS: tuple[Reason, ...] = (
    "not_image",
    "broken",
    "animated",
    "too_large",
    "too_narrow",
    "too_small",
)

_MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
_OPENERS: dict[str, Any] = {
    # JpegImageFile, not jpeg_factory: an MPO's extra frames (depth maps, stereo pairs)
    # are not part of the photo.
    "jpeg": JpegImagePlugin.JpegImageFile,
    "png": PngImagePlugin.PngImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
}
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRefused(Exception):
    """The picture can't be evidence; `reason` is one of REASONS."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


@dataclass(frozen=True, slots=True)
class Evidence:
    """A photo ready to store and send: JPEG bytes Telegram takes as a photo."""

    jpeg: bytes
    width: int
    height: int
    source_format: str  # what the buyer sent: "image/png", ...
    source_size: tuple[int, int]  # its dimensions
    source_sha256: str  # of the bytes sent (hashed here, off the event loop)


def decode_evidence(data: bytes) -> Evidence:
    """Decode `data` completely and re-encode it as a photo Telegram accepts, or raise
    ImageRefused.  CPU work (tens of milliseconds to a second): call it off the event loop.
    """
    kind = image_kind(data)
    if kind is None:
        raise ImageRefused("not_image")
    if kind == "gif":
        # Telegram clients send GIFs as animations; a first frame may not show what the
        # buyer meant, so ask for a still picture instead of guessing.
        raise ImageRefused("animated")
    declared = header_size(data, kind)
    if declared is None:
        raise ImageRefused("broken")
    _check_dimensions(*declared)
    try:
        image = _OPENERS[kind](io.BytesIO(data))
    except Exception as exc:  # hostile bytes: Pillow raises many kinds of errors
        log.info("photo refused: unreadable", extra={"format": kind, "error": type(exc).__name__})
        raise ImageRefused("broken") from None
    try:
        return _decode(image, kind, declared, data)
    finally:
        image.close()


def _check_dimensions(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageRefused("too_large")
    if max(width, height) > TELEGRAM_PHOTO_MAX_RATIO * min(width, height):
        raise ImageRefused("too_narrow")
    if min(width, height) < MIN_SIDE:
        raise ImageRefused("too_small")


def _decode(image: Image.Image, kind: str, declared: tuple[int, int], data: bytes) -> Evidence:
    if getattr(image, "is_animated", False):
        raise ImageRefused("animated")
    if image.size != declared:
        # The header we checked and the one Pillow read disagree: a crafted file.
        log.info("photo refused: size mismatch", extra={"format": kind})
        raise ImageRefused("broken")
    target = _target_size(*image.size)
    if kind == "jpeg":
        # Decode at 1/2, 1/4 or 1/8 scale when that is still at least the target size:
        # less memory and time for large camera photos, same result.
        image.draft(None, target)
    try:
        image.load()  # the whole file: truncated or corrupt data raises here
        orientation = _orientation(image)
        icc = image.info.get("icc_profile")
        picture = _to_working_mode(image)
        if picture.size != target:
            picture = picture.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
        if orientation in _ORIENTATION:
            picture = picture.transpose(_ORIENTATION[orientation])
        picture = _to_srgb(picture, icc)
    except Exception as exc:
        log.info(
            "photo refused: does not decode", extra={"format": kind, "error": type(exc).__name__}
        )
        raise ImageRefused("broken") from None
    jpeg = _encode(picture)
    assert telegram_accepts(*picture.size)
    digest = hashlib.sha256(data).hexdigest()
    return Evidence(jpeg, picture.width, picture.height, _MIME[kind], declared, digest)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 = upright); read after loading, since a PNG may carry its
    EXIF after the image data."""
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # a malformed EXIF block: the pixels may still be fine
        return 1


def _target_size(width: int, height: int) -> tuple[int, int]:
    """Scaled so the longest side is at most MAX_SIDE, keeping the aspect ratio.  The short
    side is rounded up (in integers: no float error), so the ratio never grows past the
    original's, which is at most Telegram's 20."""
    longest, shortest = max(width, height), min(width, height)
    if longest <= MAX_SIDE:
        return width, height
    scaled = -(-shortest * MAX_SIDE // longest)  # ceiling division
    return (MAX_SIDE, scaled) if width >= height else (scaled, MAX_SIDE)


def _to_working_mode(image: Image.Image) -> Image.Image:
    """RGB, RGBA, L or CMYK: the modes resizing and the colour conversion handle."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L", "CMYK"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I"):  # 16/32-bit greyscale: scale to 8 bits, don't clip
        return image.point(lambda value: value * (1 / 256)).convert("L")
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if "A" in mode or mode == "RGBa":  # LA, PA, La, RGBa
        return image.convert("RGBA")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Opaque sRGB: transparent parts on white, an embedded colour profile applied."""
    if image.mode == "RGBA":
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image).convert("RGB")
    if isinstance(icc, bytes) and icc and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable profile: the plain conversion below is close enough
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image) -> bytes:
    # Pillow writes what `info` holds (a JPEG comment, EXIF, a colour profile) back into
    # the file: only pixels go out.
    image.info = {}
    for quality in QUALITIES:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= TELEGRAM_PHOTO_MAX_BYTES:
            return out.getvalue()
    return out.getvalue()  # pragma: no cover - 2560 px at quality 50 is far below 10 MB
