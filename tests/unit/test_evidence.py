"""Evidence is decoded, not sniffed: what a buyer sends becomes a JPEG that Telegram takes
as a photo, or the buyer is told, in plain words, why not and what to send instead."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from bot.clock import FakeClock
from bot.domain.images import telegram_accepts
from bot.emulator import image_size, sample_jpeg, sample_png
from bot.emulator.images import image_complete
from bot.services import evidence, returns
from bot.services.evidence import MAX_SIDE, REASONS, decode_evidence
from bot.services.returns import BadPhoto, PhotoDraft, ReturnService
from handlers.catalog import Catalog
from handlers.media import refusal_text
from storage.media import MediaStore
from storage.uow import UnitOfWorkFactory
from tests.pictures import (
    blank_png,
    encoded,
    jpeg_pdf_polyglot,
    jpeg_with_appended_pdf,
    panorama_png,
    pdf_in_jpeg_shell,
    webp_bomb,
)


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore) -> ReturnService:
    return ReturnService(uow_factory, clock, media)


async def accept(service: ReturnService, data: bytes) -> PhotoDraft:
    return await service.accept_photo(data, file_id="file-1", file_unique_id="uniq-1")


async def refusal(service: ReturnService, media: MediaStore, data: bytes) -> str:
    """What the buyer reads when the picture is refused (2 photos sent before it)."""
    with pytest.raises(BadPhoto) as refused:
        await accept(service, data)
    assert not media.root.exists() or not any(media.root.rglob("*.*")), "nothing stored"
    text = refusal_text(Catalog(), refused.value.reason, 2)
    assert "Your 2 photos so far are kept." in text
    return text


def stored_photo(media: MediaStore, draft: PhotoDraft) -> tuple[bytes, Image.Image]:
    """The stored file, checked to be what Telegram takes as a photo."""
    data = media.absolute(draft.path).read_bytes()
    picture = Image.open(io.BytesIO(data))
    picture.load()
    assert picture.format == "JPEG" and picture.mode == "RGB"
    assert telegram_accepts(*picture.size) and max(picture.size) <= MAX_SIDE
    assert len(data) == draft.size <= 10 * 1024 * 1024 and draft.mime_type == "image/jpeg"
    assert image_complete(data)  # the emulator, like Telegram, processes it
    assert not picture.getexif() and "icc_profile" not in picture.info
    assert b"%PDF" not in data
    digest = hashlib.sha256(data).hexdigest()  # the file is named by its own content
    assert draft.path == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    return data, picture


def near(pixel: object, expected: tuple[int, int, int], tolerance: int = 12) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


# ------------------------------------------------------------------ refused


async def test_a_20000_pixel_square_png_is_refused_as_too_large(
    service: ReturnService, media: MediaStore
) -> None:
    huge = blank_png(20000, 20000)  # valid, 400 megapixels, ~50 KB as a file
    assert len(huge) < 200_000 and image_size(huge) == (20000, 20000)
    text = await refusal(service, media, huge)
    assert "too large" in text and "normal photo or a screenshot" in text


async def test_a_decompression_bomb_is_refused_from_its_header_before_pillow_opens_it(
    service: ReturnService, media: MediaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = webp_bomb()  # a few hundred bytes declaring 16384 x 16384
    assert len(bomb) < 2000 and image_size(bomb) == (16384, 16384)

    def never(*_: object) -> None:
        raise AssertionError("Pillow must not open a picture over the limit")

    monkeypatch.setitem(evidence._OPENERS, "webp", never)
    started = time.perf_counter()
    text = await refusal(service, media, bomb)
    assert time.perf_counter() - started < 1
    assert "too large" in text


async def test_a_pdf_in_a_jpeg_shell_is_refused(service: ReturnService, media: MediaStore) -> None:
    shell = pdf_in_jpeg_shell()
    assert shell.startswith(b"\xff\xd8\xff") and shell.endswith(b"\xff\xd9")
    text = await refusal(service, media, shell)
    assert "couldn't open that picture" in text and "damaged or incomplete" in text


@pytest.mark.parametrize(
    "data",
    [
        sample_jpeg(seed="truncated")[:3000],
        sample_jpeg(seed="truncated")[:-400],
        panorama_png(600, 400)[:-100],  # cut inside the image data
    ],
    ids=["jpeg-head", "jpeg-without-end", "png"],
)
async def test_truncated_files_are_refused(
    service: ReturnService, media: MediaStore, data: bytes
) -> None:
    assert "damaged or incomplete" in await refusal(service, media, data)


async def test_a_tiny_picture_is_refused(service: ReturnService, media: MediaStore) -> None:
    pixel = encoded(Image.new("RGB", (1, 1), (255, 0, 0)), "PNG")
    assert "too small to show anything" in await refusal(service, media, pixel)


async def test_a_panorama_over_20_to_1_is_refused_with_what_to_do(
    service: ReturnService, media: MediaStore
) -> None:
    strip = encoded(Image.new("RGB", (4200, 200), (0, 120, 0)), "JPEG")  # 21:1
    text = await refusal(service, media, strip)
    assert "too long and narrow" in text and "crop it" in text and "separate screenshots" in text


@pytest.mark.parametrize(
    "kind", ["gif", "apng", "webp"], ids=["animated-gif", "animated-png", "animated-webp"]
)
async def test_animations_are_refused(service: ReturnService, media: MediaStore, kind: str) -> None:
    frames = [Image.new("RGB", (120, 90), c) for c in ((255, 0, 0), (0, 0, 255))]
    fmt = {"gif": "GIF", "apng": "PNG", "webp": "WEBP"}[kind]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=200, loop=0)
    text = await refusal(service, media, out.getvalue())
    assert "Animations and GIFs can't be used" in text and "still photo" in text


async def test_other_files_are_not_images(service: ReturnService, media: MediaStore) -> None:
    assert "isn't a JPEG, PNG or WebP image" in await refusal(
        service, media, b"%PDF-1.4\n% not a photo at all\n%%EOF\n"
    )


def test_every_refusal_has_a_message() -> None:
    catalog = Catalog()
    for reason in REASONS:
        assert catalog.has(f"returns.photo_{reason}"), reason


# ------------------------------------------------------------------ accepted


async def test_a_png_over_telegrams_dimensions_is_scaled_down_keeping_its_shape(
    service: ReturnService, media: MediaStore
) -> None:
    wide = panorama_png(12000, 700)  # width + height = 12700: Telegram refuses it
    assert image_size(wide) == (12000, 700) and not telegram_accepts(12000, 700)
    draft = await accept(service, wide)
    _, picture = stored_photo(media, draft)
    assert picture.size == (2560, 150)  # 12000:700 = 2560:149.3, rounded up
    # The gradient runs left to right as before: dark on the left, light on the right.
    assert picture.getpixel((5, 75))[0] < 20 and picture.getpixel((2554, 75))[0] > 235  # type: ignore[index]
    # The reused-evidence check still sees the bytes the buyer sent.
    assert draft.sha256 == hashlib.sha256(wide).hexdigest()


async def test_exactly_20_to_1_is_accepted(service: ReturnService, media: MediaStore) -> None:
    draft = await accept(service, encoded(Image.new("RGB", (5000, 250), (9, 9, 9)), "PNG"))
    _, picture = stored_photo(media, draft)
    assert picture.size == (2560, 128)


@pytest.mark.parametrize(
    "data", [jpeg_pdf_polyglot(), jpeg_with_appended_pdf()], ids=["pdf-inside", "pdf-appended"]
)
async def test_a_real_picture_carrying_a_pdf_is_stored_without_it(
    service: ReturnService, media: MediaStore, data: bytes
) -> None:
    assert b"%PDF-1.4" in data
    draft = await accept(service, data)
    _, picture = stored_photo(media, draft)  # no "%PDF" in what is stored
    assert picture.size == (320, 240)
    assert draft.sha256 == hashlib.sha256(data).hexdigest()


async def test_cmyk_jpeg_becomes_rgb(service: ReturnService, media: MediaStore) -> None:
    cmyk = encoded(Image.new("CMYK", (200, 100), (0, 255, 255, 0)), "JPEG")  # red ink
    _, picture = stored_photo(media, await accept(service, cmyk))
    assert near(picture.getpixel((100, 50)), (255, 0, 0), tolerance=20)


async def test_transparency_is_put_on_white(service: ReturnService, media: MediaStore) -> None:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # clear on the left half
    image.paste((255, 0, 0, 128), (100, 0, 200, 100))  # half-transparent red on the right
    _, picture = stored_photo(media, await accept(service, encoded(image, "PNG")))
    assert near(picture.getpixel((40, 50)), (255, 255, 255))
    assert near(picture.getpixel((160, 50)), (255, 127, 127))


async def test_palette_and_16_bit_pngs_keep_their_colours(
    service: ReturnService, media: MediaStore
) -> None:
    palette = Image.new("P", (100, 100), 0)
    palette.putpalette([0, 0, 255] + [0] * 765)
    _, picture = stored_photo(media, await accept(service, encoded(palette, "PNG")))
    assert near(picture.getpixel((50, 50)), (0, 0, 255))
    grey = Image.new("I;16", (100, 100), 32768)  # 16-bit mid grey
    _, picture = stored_photo(media, await accept(service, encoded(grey, "PNG")))
    assert near(picture.getpixel((50, 50)), (128, 128, 128))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
async def test_exif_orientation_is_applied_and_metadata_dropped(
    service: ReturnService, media: MediaStore, fmt: str
) -> None:
    # Stored 200x100 with a red left end; orientation 6 means "turn 90 degrees clockwise
    # to view": the buyer saw it upright, 100x200, red at the top.
    image = Image.new("RGB", (200, 100), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 40, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {2: (52.0, 22.0, 1.0), 4: (4.0, 53.0, 30.0)}  # GPS position
    data = encoded(image, fmt, exif=exif, quality=95)
    assert b"PhoneMaker" in data
    _, picture = stored_photo(media, await accept(service, data))  # no EXIF left
    assert picture.size == (100, 200)
    assert near(picture.getpixel((50, 10)), (255, 0, 0), 30)
    assert near(picture.getpixel((50, 190)), (255, 255, 255), 30)


async def test_webp_is_stored_as_jpeg(service: ReturnService, media: MediaStore) -> None:
    webp = encoded(Image.new("RGB", (300, 200), (0, 128, 255)), "WEBP", quality=95)
    _, picture = stored_photo(media, await accept(service, webp))
    assert picture.size == (300, 200) and near(picture.getpixel((150, 100)), (0, 128, 255))


async def test_a_large_camera_photo_is_scaled_to_telegrams_photo_size(
    service: ReturnService, media: MediaStore
) -> None:
    photo = encoded(Image.linear_gradient("L").resize((4032, 3024)).convert("RGB"), "JPEG")
    _, picture = stored_photo(media, await accept(service, photo))
    assert picture.size == (2560, 1920)


async def test_same_picture_twice_is_one_stored_file(
    service: ReturnService, media: MediaStore
) -> None:
    data = sample_png(seed="twice")
    first, second = await accept(service, data), await accept(service, data)
    assert first.path == second.path and first.sha256 == second.sha256
    assert len([p for p in media.root.rglob("*") if p.is_file()]) == 1


async def test_decoding_runs_off_the_event_loop(
    service: ReturnService, media: MediaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []

    def recording(data: bytes) -> evidence.Evidence:
        threads.append(threading.get_ident())
        return decode_evidence(data)

    monkeypatch.setattr(returns, "decode_evidence", recording)
    await accept(service, sample_jpeg(seed="thread"))
    assert threads and threads[0] != threading.get_ident()


@pytest.mark.parametrize("profile", ["srgb", "garbage"])
async def test_a_colour_profile_is_applied_or_ignored_never_fatal(
    service: ReturnService, media: MediaStore, profile: str
) -> None:
    icc = (
        ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        if profile == "srgb"
        else b"not a colour profile at all"
    )
    data = encoded(Image.new("RGB", (120, 80), (30, 160, 90)), "PNG", icc_profile=icc)
    _, picture = stored_photo(media, await accept(service, data))  # no profile stored
    assert near(picture.getpixel((60, 40)), (30, 160, 90))
