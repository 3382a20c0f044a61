"""Neutral chat types: what every channel turns an update into (`Inbound`) and what
handlers ask a channel to do (`Outbound` actions).

Nothing here knows Telegram's libraries; the aiogram and python-telegram-bot channels
and the emulator sandbox are thin translators of these types.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, fields
from typing import Any, Literal

# ------------------------------------------------------------------------- inbound


@dataclass(frozen=True, slots=True)
class PhotoFile:
    file_id: str
    file_unique_id: str
    width: int = 0
    height: int = 0
    file_size: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentFile:
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


@dataclass(frozen=True, slots=True)
class SharedContact:
    phone: str
    user_id: int | None  # whose contact it is; proof only counts for the sender's own


ChatKind = Literal["private", "group", "supergroup", "channel"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did: a message, a command or a button press."""

    channel: str
    update_id: int
    chat_id: int
    chat_kind: ChatKind
    user_id: int
    user_name: str = ""
    username: str | None = None
    locale: str | None = None
    message_id: int | None = None
    thread_id: int | None = None  # forum topic
    text: str | None = None
    command: str | None = None  # without the slash and @botname, lower-case
    args: str = ""
    button: str | None = None  # callback data of a pressed inline button
    callback_id: str | None = None
    photo: PhotoFile | None = None  # the largest size of a photo message
    document: DocumentFile | None = None
    contact: SharedContact | None = None
    media_group_id: str | None = None
    other: str | None = None  # sticker, voice, video, location, ... (kinds we only relay)
    reply_to_message_id: int | None = None
    # A message sent earlier and changed since (its new text or caption in `text`):
    # acted on by no step and relayed to no one (see `ChatCore._route`).
    edited: bool = False
    # Forwarded from someone else: whom, as Telegram names them ("" when it hides it).
    forwarded_from: str | None = None

    @property
    def is_private(self) -> bool:
        return self.chat_kind == "private"


# ------------------------------------------------------------------------ outbound


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str | None = None  # callback data (≤ 64 bytes, checked by Keyboard)
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Keyboard:
    rows: tuple[tuple[Button, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            for button in row:
                if (button.data is None) == (button.url is None):
                    raise ValueError(f"button {button.text!r} needs exactly one of data/url")
                if button.data is not None and not 1 <= len(button.data.encode()) <= 64:
                    raise ValueError(f"callback data {button.data!r} must be 1-64 bytes")

    @classmethod
    def of(cls, *rows: list[Button] | tuple[Button, ...]) -> Keyboard:
        return cls(tuple(tuple(row) for row in rows if row))


@dataclass(frozen=True, slots=True)
class SendText:
    chat_id: int
    text: str  # HTML, already escaped where it carries user input
    keyboard: Keyboard | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    ask_contact: str | None = None  # label of a one-time "share my contact" button
    remove_reply_keyboard: bool = False


@dataclass(frozen=True, slots=True)
class EditText:
    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard | None = None


@dataclass(frozen=True, slots=True)
class EditKeyboard:
    """Replace (or, with None, remove) the buttons under a message."""

    chat_id: int
    message_id: int
    keyboard: Keyboard | None = None


@dataclass(frozen=True, slots=True)
class RenameTopic:
    chat_id: int
    thread_id: int
    name: str  # at most 128 characters (Telegram's limit); longer names are cut


@dataclass(frozen=True, slots=True)
class AnswerButton:
    callback_id: str
    text: str | None = None
    alert: bool = False


@dataclass(frozen=True, slots=True)
class PhotoRef:
    """A photo to send: a channel file id when we have one, else a stored file."""

    file_id: str | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class SendPhotos:
    chat_id: int
    photos: tuple[PhotoRef, ...]
    caption: str | None = None
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class SendDocument:
    chat_id: int
    file_name: str
    content: bytes
    caption: str | None = None
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChatAction:
    chat_id: int
    action: str = "typing"


@dataclass(frozen=True, slots=True)
class SetCommands:
    """The command menu one chat sees (e.g. a seller's); empty = back to the default.
    With `language_code`, only for the chat's members whose Telegram has that
    language (each staff member sees the staff menu in theirs)."""

    chat_id: int
    commands: tuple[tuple[str, str], ...]
    language_code: str = ""


Outbound = (
    SendText
    | EditText
    | EditKeyboard
    | RenameTopic
    | AnswerButton
    | SendPhotos
    | SendDocument
    | ChatAction
    | SetCommands
)


@dataclass(slots=True)
class Reply:
    """What a handler produced for one inbound: actions to carry out, in order."""

    actions: list[Outbound] = field(default_factory=list)


# --------------------------------------------------------------- serialisation
#
# Replies are stored (in the transaction that saves the conversation) before they are
# sent, so that a crash or a long Telegram outage cannot lose them.  The stored form is
# plain JSON: {"type": "SendText", field: value, ...}, with a keyboard as rows of
# [text, data, url], photos as {"file_id", "path"} and document bytes as base64.

_ACTION_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        SendText,
        EditText,
        EditKeyboard,
        RenameTopic,
        AnswerButton,
        SendPhotos,
        SendDocument,
        ChatAction,
        SetCommands,
    )
}


def action_to_json(action: Outbound) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(action).__name__}
    for f in fields(action):
        value = getattr(action, f.name)
        if isinstance(value, Keyboard):
            value = [[[b.text, b.data, b.url] for b in row] for row in value.rows]
        elif f.name == "photos":
            value = [{"file_id": p.file_id, "path": p.path} for p in value]
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif f.name == "commands":
            value = [list(pair) for pair in value]
        out[f.name] = value
    return out


def action_from_json(data: dict[str, Any]) -> Outbound:
    """The inverse of `action_to_json`; ValueError for what it never produced."""
    values = dict(data)
    try:
        cls = _ACTION_TYPES[values.pop("type")]
    except KeyError:
        raise ValueError(f"not a stored action: {data.get('type')!r}") from None
    if values.get("keyboard") is not None:
        values["keyboard"] = Keyboard(
            tuple(tuple(Button(t, d, u) for t, d, u in row) for row in values["keyboard"])
        )
    if "photos" in values:
        values["photos"] = tuple(
            PhotoRef(p.get("file_id"), p.get("path")) for p in values["photos"]
        )
    if cls is SendDocument:
        values["content"] = base64.b64decode(values["content"])
    if "commands" in values:
        values["commands"] = tuple((c, d) for c, d in values["commands"])
    action: Outbound = cls(**values)
    return action


def is_ephemeral(action: Outbound) -> bool:
    """Not worth storing: a callback answer is useless after ~15 s (Telegram refuses it
    then) and "typing…" is cosmetic.  Everything else a person must eventually see."""
    return isinstance(action, AnswerButton | ChatAction)
