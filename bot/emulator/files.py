"""File storage: every file a user or the bot sends, addressable by file_id and file_path.

Telegram never hands out bytes with a message, only identifiers; the bot must call getFile
and download `file/bot<token>/<file_path>`.  Keeping the real bytes behind the same
indirection lets tests check that the bot downloads (and re-sends) exactly the photo a buyer
uploaded, and lets them compare what the bot uploaded with what they expected.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import mimetypes
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.emulator.images import image_format, sample_png

#: Bots may download files up to this size with getFile (cloud Bot API).
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
#: Largest multipart upload api.telegram.org accepts from a bot.
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
#: tdlib refuses photos larger than this before uploading them.
MAX_PHOTO_SIZE = 10 * 1024 * 1024
THUMBNAIL_BOX = 90

FileKind = Literal["photo", "document", "video", "voice", "sticker", "thumbnail"]

# The type names tdlib uses in "can't use file of type X as Y".
TDLIB_TYPE_NAMES: dict[str, str] = {
    "photo": "Photo",
    "document": "Document",
    "video": "Video",
    "voice": "VoiceNote",
    "sticker": "Sticker",
    "thumbnail": "Thumbnail",
}
_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "voice": "voice",
    "sticker": "stickers",
    "thumbnail": "thumbnails",
}
# First bytes of real file_ids per kind (they are base64 of a typed structure).
_ID_PREFIXES = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "thumbnail": "AAMCAgADGQEAAg",
}


@dataclass
class StoredFile:
    """One file as Telegram keeps it; a photo has one StoredFile per size."""

    file_id: str
    file_unique_id: str
    kind: FileKind
    data: bytes = field(repr=False)
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    #: For photos: every size of the same photo, smallest first (this one included).
    photo_sizes: list[StoredFile] = field(default_factory=list, repr=False)
    thumbnail: StoredFile | None = field(default=None, repr=False)

    @property
    def file_size(self) -> int:
        return len(self.data)

    def as_file(self) -> dict[str, Any]:
        """The Bot API File object getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }

    def as_photo_size(self) -> dict[str, Any]:
        """The Bot API PhotoSize object for this size."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "width": self.width,
            "height": self.height,
        }


def _thumbnail_dimensions(width: int, height: int) -> tuple[int, int]:
    scale = THUMBNAIL_BOX / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class FileStore:
    """All files of one emulator, by file_id and by download path."""

    def __init__(self, salt: str) -> None:
        self._salt = salt
        self._counter = itertools.count(1)
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def __iter__(self) -> Any:
        return iter(self._by_id.values())

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def add(
        self,
        data: bytes,
        kind: FileKind,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
        extension: str | None = None,
    ) -> StoredFile:
        """Store bytes under fresh identifiers (each upload is a new file, as in Telegram)."""
        number = next(self._counter)
        digest = hashlib.sha256(f"{self._salt}:{number}".encode()).digest()
        file_id = _ID_PREFIXES[kind] + base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")
        unique = "AQAD" + base64.urlsafe_b64encode(digest[24:33]).decode().rstrip("=")
        if extension is None:
            extension = _extension(data, kind, file_name, mime_type)
        path = f"{_FOLDERS[kind]}/file_{number}.{extension}"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            kind=kind,
            data=bytes(data),
            file_path=path,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            duration=duration,
        )
        self._by_id[file_id] = stored
        self._by_path[path] = stored
        return stored

    def add_photo(self, data: bytes, width: int, height: int) -> StoredFile:
        """Store a photo with Telegram-like sizes: a <=90px thumbnail plus the original.

        The thumbnail is a generated PNG of the right dimensions (no resampling without
        Pillow); the largest size holds the uploaded bytes unchanged.
        """
        original = self.add(data, "photo", width=width, height=height)
        sizes = [original]
        if max(width, height) > THUMBNAIL_BOX:
            thumb_width, thumb_height = _thumbnail_dimensions(width, height)
            thumb = self.add(
                sample_png(thumb_width, thumb_height, seed=original.file_unique_id),
                "photo",
                width=thumb_width,
                height=thumb_height,
            )
            sizes.insert(0, thumb)
        for size in sizes:
            size.photo_sizes = sizes
        return original


def _extension(data: bytes, kind: str, file_name: str | None, mime_type: str | None) -> str:
    if kind in ("photo", "thumbnail"):
        return {"jpeg": "jpg"}.get(image_format(data) or "jpeg", image_format(data) or "jpg")
    if kind == "sticker":
        return "webp"
    if kind == "voice":
        return "oga"
    if file_name and "." in file_name:
        return file_name.rsplit(".", 1)[1].lower()
    guessed = mimetypes.guess_extension(mime_type or "") if mime_type else None
    if guessed:
        return guessed.lstrip(".")
    return "mp4" if kind == "video" else "bin"
