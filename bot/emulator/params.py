"""Reading Bot API requests: JSON, urlencoded and multipart bodies, typed by the schema.

Bots send the same call in very different shapes: aiogram posts everything as form fields
(numbers and booleans as strings, objects JSON-serialised, files as `attach://` parts),
python-telegram-bot posts urlencoded forms or multipart with files in the parameter's own
part, raw clients post JSON.  Telegram accepts all of them, so the emulator normalises them
into one typed dict before any method sees it, and refuses what Telegram refuses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.files import MAX_UPLOAD_SIZE
from bot.emulator.schema import METHODS, FieldSpec

_SCALARS = frozenset({"Integer", "String", "Boolean", "Float", "InputFile"})
# What the Bot API calls each JSON-serialised parameter in "can't parse ... JSON object".
_JSON_LABELS = {
    "reply_markup": "reply keyboard markup",
    "entities": "entities",
    "caption_entities": "entities",
    "media": "media",
    "reply_parameters": "reply parameters",
    "link_preview_options": "link preview options",
    "commands": "commands",
    "scope": "BotCommandScope",
    "allowed_updates": "allowed updates",
}
# Telegram's wording when a required parameter is missing, where it is known.
_MISSING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
    "video": "there is no video in the request",
    "voice": "there is no voice in the request",
    "sticker": "there is no sticker in the request",
    "message_id": "message identifier is not specified",
    "from_chat_id": "from_chat_id is empty",
    "media": 'parameter "media" is required',
}


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Upload(filename={self.filename!r}, size={len(self.data)})"


@dataclass
class RawRequest:
    """Parameters and file parts as they arrived, before typing."""

    params: dict[str, Any]
    uploads: dict[str, Upload]


async def read_request(request: web.Request) -> RawRequest:
    """Parameters from the query string and the body, whatever its encoding."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_length and request.content_length > MAX_UPLOAD_SIZE:
        raise ApiError(413, "Request Entity Too Large")
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.read()
        if body.strip():
            try:
                decoded = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON encoded request") from None
            if not isinstance(decoded, dict):
                raise bad_request("JSON object expected")
            params.update(decoded)
    elif content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        params.update({key: str(value) for key, value in form.items()})
    elif content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            part_type = part.headers.get("Content-Type")
            data = bytes(await part.read())
            is_file = part.filename is not None or (
                part_type is not None and not part_type.startswith("text/")
            )
            if is_file:
                uploads[part.name] = Upload(part.filename, part_type, data)
            else:
                params[part.name] = data.decode(part.get_charset("utf-8"))
    return RawRequest(params, uploads)


def _type_error(name: str, expected: str) -> ApiError:
    return bad_request(f'field "{name}" must be of type {expected}')


def _coerce_integer(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _type_error(name, "Integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        body = stripped[1:] if stripped[:1] in "+-" else stripped
        if body.isdigit():
            return int(stripped)
    raise _type_error(name, "Integer")


def _coerce_boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
        return value.strip().lower() in ("true", "1")
    raise _type_error(name, "Boolean")


def _coerce_string(name: str, value: Any) -> str:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request("strings must be encoded in UTF-8") from None
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _type_error(name, "String")


def _coerce_json(name: str, value: Any, types: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            label = _JSON_LABELS.get(name, name)
            raise bad_request(f"can't parse {label} JSON object") from None
    wants_array = all(t.startswith("Array of") for t in types)
    if wants_array and not isinstance(value, list):
        label = _JSON_LABELS.get(name, name)
        raise bad_request(f"can't parse {label} JSON object")
    if not wants_array and not isinstance(value, dict):
        label = _JSON_LABELS.get(name, name)
        raise bad_request(f"can't parse {label} JSON object")
    return value


def _coerce(spec: FieldSpec, value: Any, uploads: dict[str, Upload]) -> Any:
    types = spec.types
    if isinstance(value, Upload):
        if "InputFile" in types:
            return value
        raise _type_error(spec.name, types[0])
    if "InputFile" in types:
        text = _coerce_string(spec.name, value)
        if text.startswith("attach://"):
            part = uploads.get(text[len("attach://") :])
            if part is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return part
        return text
    if types == ("Integer", "String"):
        if isinstance(value, str):
            try:
                return _coerce_integer(spec.name, value)
            except ApiError:
                return value
        return _coerce_integer(spec.name, value)
    if types == ("Integer",):
        return _coerce_integer(spec.name, value)
    if types == ("Boolean",):
        return _coerce_boolean(spec.name, value)
    if types == ("Float",):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return float(str(value))
        except ValueError:
            raise _type_error(spec.name, "Float") from None
    if types == ("String",):
        return _coerce_string(spec.name, value)
    return _coerce_json(spec.name, value, types)


def _is_absent(spec: FieldSpec, value: Any) -> bool:
    if value is None:
        return True
    # Empty form fields mean "not given" for everything but plain strings.
    return value == "" and spec.types != ("String",)


def typed_params(method: str, raw: RawRequest) -> dict[str, Any]:
    """The request's known parameters, typed per the Bot API schema.

    Unknown parameters are kept as they came (Telegram ignores them, but the call log should
    show them).  Raises ApiError for a missing required or mistyped parameter.
    """
    result: dict[str, Any] = {}
    specs = METHODS[method]
    known = {spec.name for spec in specs}
    for spec in specs:
        value = raw.params.get(spec.name)
        if value is None and spec.name in raw.uploads:
            value = raw.uploads[spec.name]
        if _is_absent(spec, value):
            if spec.required:
                detail = _MISSING.get(spec.name, f'parameter "{spec.name}" is required')
                raise bad_request(detail)
            continue
        result[spec.name] = _coerce(spec, value, raw.uploads)
    for name, value in raw.params.items():
        if name not in known:
            result[name] = value
    if isinstance(result.get("media"), list):
        result["media"] = [_attach_media(item, raw.uploads) for item in result["media"]]
    return result


def _attach_media(item: Any, uploads: dict[str, Upload]) -> Any:
    """Resolve `attach://<part>` references inside an InputMedia object to their uploads."""
    if not isinstance(item, dict):
        return item
    resolved = dict(item)
    for key in ("media", "thumbnail", "cover"):
        value = resolved.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            part = uploads.get(value[len("attach://") :])
            if part is None:
                raise bad_request("can't parse InputMedia: media not found")
            resolved[key] = part
    return resolved
