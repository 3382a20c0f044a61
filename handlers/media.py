"""Receiving a photo (or an image sent as a file) from a person, for evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.errors import FileUnavailable
from bot.domain.returns import MAX_PHOTO_BYTES
from bot.services.returns import BadPhoto, PhotoDraft
from handlers.catalog import Catalog
from handlers.core import Context

VIDEO_KINDS = frozenset({"video", "video_note", "animation"})
# Voice notes and audio: a buyer telling what happened, which a photo step can't take.
VOICE_KINDS = frozenset({"voice", "audio"})


class PhotoRefused(Exception):
    """Why a file can't be used; `reason` is a catalog key suffix (photo_<reason>)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def refusal_text(catalog: Catalog, reason: str, kept: int) -> str:
    """Why a file was refused and, when some were sent before it, that those photos are
    kept (never "your 0 photos so far are kept")."""
    if reason == "duplicate":  # there is one already: this one was it
        return catalog.t("journey.photo_duplicate", count=kept)
    refused = catalog.t(f"returns.photo_{reason}")
    return f"{refused} {catalog.t('returns.photos_kept', count=kept)}" if kept else refused


async def with_photo(ctx: Context, kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The photos kept so far (as a conversation stores them) with this message's photo
    added, checked against them (raises PhotoRefused).  A new list, not an append: the
    core saves the state only when it compares unequal to a copy taken before."""
    photo = await receive_photo(ctx, [PhotoDraft.from_json(p) for p in kept])
    return [*kept, photo.to_json()]


async def receive_photo(ctx: Context, have: Sequence[PhotoDraft] = ()) -> PhotoDraft:
    """The photo (or image file) of this message, checked and stored; `have` are the
    photos already collected, so the same picture sent again is refused ("duplicate")."""
    inbound = ctx.inbound
    if inbound.other in VIDEO_KINDS:
        raise PhotoRefused("video")
    if inbound.other in VOICE_KINDS:
        raise PhotoRefused("voice")
    source = inbound.photo or inbound.document
    if source is None:
        # A sticker or a location is no file the buyer chose: "that file isn't a JPEG"
        # read as nonsense to them.
        raise PhotoRefused("not_photo" if inbound.other is not None else "not_image")
    if source.file_unique_id is not None and any(
        p.file_unique_id == source.file_unique_id for p in have
    ):
        raise PhotoRefused("duplicate")  # known without downloading it again
    # Refuse what is announced as too large before spending time downloading it.
    if source.file_size is not None and source.file_size > MAX_PHOTO_BYTES:
        raise PhotoRefused("too_big")
    if ctx.fetch_file is None:
        raise PhotoRefused("unavailable")
    try:
        data = await ctx.fetch_file(source.file_id)
    except FileUnavailable as exc:
        raise PhotoRefused("too_big" if exc.too_big else "unavailable") from None
    try:
        return await ctx.services.returns.accept_photo(
            data, file_id=source.file_id, file_unique_id=source.file_unique_id, have=have
        )
    except BadPhoto as exc:
        raise PhotoRefused(exc.reason) from None
