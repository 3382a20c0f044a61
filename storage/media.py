"""Claim photos on disk, content-addressed by SHA-256.

The same bytes are stored once, whoever sends them; the path is derived from the hash
(`ab/cd/abcd….jpg`), so writing is idempotent and a file can be checked against its
name.  Files are written to a temporary name and renamed, so a crash never leaves a
half-written photo under a valid name.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    path: str  # relative to the media root
    size: int


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def relative_path(self, sha256: str, extension: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{extension}"

    def absolute(self, relative: str) -> Path:
        return self.root / relative

    async def put(self, data: bytes, extension: str) -> StoredFile:
        return await asyncio.to_thread(self._put, data, extension)

    def _put(self, data: bytes, extension: str) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        relative = self.relative_path(digest, extension)
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        return StoredFile(digest, relative, len(data))
