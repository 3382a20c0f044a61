"""Files both ways: user uploads the bot downloads, bot uploads tests can compare."""

from __future__ import annotations

import json
import zlib

import aiohttp

from bot.emulator import TelegramEmulator, image_size, sample_jpeg, sample_png, sample_sticker
from tests.emulator.conftest import TOKEN, RawBot
from tests.pictures import blank_png


async def download(raw_bot: RawBot, file_path: str) -> bytes:
    url = f"{raw_bot.emulator.base_url}/file/bot{TOKEN}/{file_path}"
    async with raw_bot.session.get(url) as response:
        assert response.status == 200
        return await response.read()


async def test_user_photo_round_trip_through_get_file(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    photo = sample_jpeg(seed="receipt")
    message = await emulator.user(1001, first_name="Alice").send_photo(photo, caption="broken")
    sizes = message["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 68), (320, 240)]
    assert message["caption"] == "broken"
    assert len({s["file_unique_id"] for s in sizes}) == 2

    file = await raw_bot.ok("getFile", file_id=sizes[-1]["file_id"])
    assert file["file_size"] == len(photo)
    assert file["file_path"].startswith("photos/") and file["file_path"].endswith(".jpg")
    assert await download(raw_bot, file["file_path"]) == photo
    assert emulator.downloads == [file["file_path"]]
    thumb = await raw_bot.ok("getFile", file_id=sizes[0]["file_id"])
    assert image_size(await download(raw_bot, thumb["file_path"])) == (90, 68)


async def test_bot_uploads_are_stored_and_reusable_by_file_id(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    await alice.send("hi")
    photo = sample_png(200, 100, seed=1)
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field("photo", photo, filename="label.png", content_type="image/png")
    async with raw_bot.session.post(raw_bot.url("sendPhoto"), data=form) as response:
        sent = (await response.json())["result"]
    largest = sent["photo"][-1]
    assert (largest["width"], largest["height"]) == (200, 100)
    assert emulator.file_bytes(largest["file_id"]) == photo

    again = await raw_bot.ok("sendPhoto", chat_id=1001, photo=largest["file_id"])
    assert again["photo"] == sent["photo"]  # the same photo, not a new upload
    assert await raw_bot.refused("sendDocument", chat_id=1001, document=largest["file_id"]) == (
        "Bad Request: can't use file of type Photo as Document"
    )
    assert await raw_bot.refused("sendPhoto", chat_id=1001, photo="no-such-id") == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert [m["message_id"] for m in alice.messages] == [2, 3]


async def test_document_video_voice_sticker_uploads(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    await emulator.user(1001).send("hi")
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field("document", b"%PDF-1.4 invoice", filename="invoice.pdf")
    form.add_field("thumbnail", sample_jpeg(2), filename="thumb.jpg")
    async with raw_bot.session.post(raw_bot.url("sendDocument"), data=form) as response:
        document = (await response.json())["result"]["document"]
    assert document["file_name"] == "invoice.pdf"
    assert document["mime_type"] == "application/pdf"
    assert document["thumbnail"]["width"] == 320
    assert emulator.file_bytes(document["file_id"]) == b"%PDF-1.4 invoice"

    uploads = {
        "sendVideo": ("video", b"\x00\x00\x00\x18ftypmp42"),
        "sendVoice": ("voice", b"OggS voice"),
        "sendSticker": ("sticker", sample_sticker()),
    }
    for method, (field, data) in uploads.items():
        form = aiohttp.FormData()
        form.add_field("chat_id", "1001")
        form.add_field("duration", "7")
        form.add_field(field, data, filename=f"upload.{field}")
        async with raw_bot.session.post(raw_bot.url(method), data=form) as response:
            result = (await response.json())["result"][field]
        assert emulator.file_bytes(result["file_id"]) == data
    emulator.assert_no_rejections()


async def test_media_group_with_attach_references(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001)
    await alice.send("hi")
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    media = [
        {
            "type": "photo",
            "media": "attach://first",
            "caption": "<b>two</b> photos",
            "parse_mode": "HTML",
        },
        {"type": "photo", "media": "attach://second"},
    ]
    form.add_field("media", json.dumps(media))
    form.add_field("first", sample_jpeg(1), filename="1.jpg")
    form.add_field("second", sample_png(50, 40), filename="2.png")
    async with raw_bot.session.post(raw_bot.url("sendMediaGroup"), data=form) as response:
        sent = (await response.json())["result"]
    assert len(sent) == 2
    assert sent[0]["media_group_id"] == sent[1]["media_group_id"]
    assert sent[0]["caption"] == "two photos"
    assert sent[0]["caption_entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert [len(m["photo"]) for m in sent] == [2, 1]  # a 50x40 photo has no smaller size
    assert len(alice.messages) == 2


async def test_refused_uploads(raw_bot: RawBot, emulator: TelegramEmulator) -> None:
    await emulator.user(1001).send("hi")
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field("photo", b"not an image at all", filename="x.jpg")
    async with raw_bot.session.post(raw_bot.url("sendPhoto"), data=form) as response:
        body = await response.json()
    assert body["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    assert await raw_bot.refused("sendPhoto", chat_id=1001) == (
        "Bad Request: there is no photo in the request"
    )


async def upload_photo(raw_bot: RawBot, data: bytes) -> str | None:
    """sendPhoto with an uploaded file: None when accepted, else the error description."""
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field("photo", data, filename="photo.jpg")
    async with raw_bot.session.post(raw_bot.url("sendPhoto"), data=form) as response:
        body = await response.json()
    return None if body["ok"] else str(body["description"])


async def test_photos_telegram_cannot_process_or_show_are_refused(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    await emulator.user(1001).send("hi")
    jpeg, png = sample_jpeg(seed="whole"), sample_png(300, 200, seed="whole")
    assert await upload_photo(raw_bot, jpeg) is None
    assert await upload_photo(raw_bot, jpeg + b"%PDF-1.4 appended\n%%EOF\n") is None
    assert await upload_photo(raw_bot, png) is None
    failed = "Bad Request: IMAGE_PROCESS_FAILED"
    assert await upload_photo(raw_bot, jpeg[: len(jpeg) // 2]) == failed  # cut short
    assert await upload_photo(raw_bot, png[:-30]) == failed  # IEND missing
    broken_crc = png[:-20] + bytes([png[-20] ^ 0xFF]) + png[-19:]
    assert await upload_photo(raw_bot, broken_crc) == failed
    shell = b"\xff\xd8\xff\xfe\x00\x12%PDF-1.4 %%EOF\n\xff\xd9"  # a PDF in JPEG markers
    assert await upload_photo(raw_bot, shell) == failed
    dimensions = "Bad Request: PHOTO_INVALID_DIMENSIONS"
    assert await upload_photo(raw_bot, blank_png(9000, 1001)) == dimensions  # sum > 10000
    assert await upload_photo(raw_bot, blank_png(2100, 100)) == dimensions  # ratio 21
    assert await upload_photo(raw_bot, blank_png(2000, 100)) is None  # ratio 20 is fine


async def test_files_over_20_mb_cannot_be_downloaded(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    big = b"\x00" * (20 * 1024 * 1024 + 1)
    message = await emulator.user(1001).send_document(big, file_name="dump.bin")
    assert await raw_bot.refused("getFile", file_id=message["document"]["file_id"]) == (
        "Bad Request: file is too big"
    )
    assert await raw_bot.refused("getFile", file_id="garbage") == "Bad Request: invalid file_id"


async def test_urls_serve_registered_content_offline(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    await emulator.user(1001).send("hi")
    emulator.web_content["https://cdn.shop.example/p/1.png"] = sample_png(64, 64, seed="cdn")
    sent = await raw_bot.ok("sendPhoto", chat_id=1001, photo="https://cdn.shop.example/p/1.png")
    assert emulator.file_bytes(sent["photo"][-1]["file_id"]) == sample_png(64, 64, seed="cdn")
    placeholder = await raw_bot.ok(
        "sendPhoto", chat_id=1001, photo="https://elsewhere.example/a.jpg"
    )
    assert placeholder["photo"][-1]["width"] == 320


def test_sample_images_are_valid() -> None:
    png = sample_png(17, 9, (200, 10, 10), seed="x")
    assert image_size(png) == (17, 9)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    idat = png.index(b"IDAT")
    length = int.from_bytes(png[idat - 4 : idat], "big")
    raw = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert len(raw) == 9 * (1 + 17 * 3)  # a filter byte plus RGB per row
    assert image_size(sample_jpeg()) == (320, 240)
    assert sample_jpeg(1) != sample_jpeg(2)
    assert image_size(sample_jpeg(1)) == (320, 240)
    assert image_size(sample_sticker()) == (512, 512)
    assert image_size(b"GIF89a\x10\x00\x08\x00") == (16, 8)
    assert image_size(b"plain text") is None


def test_sample_images_decode_with_pillow_when_available() -> None:
    import pytest

    image_module = pytest.importorskip("PIL.Image")
    import io

    for data, size in ((sample_png(30, 20, seed=1), (30, 20)), (sample_jpeg("s"), (320, 240))):
        with image_module.open(io.BytesIO(data)) as image:
            image.load()
            assert image.size == size
