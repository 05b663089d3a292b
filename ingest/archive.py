"""The landing archive: every delivered file and API page kept exactly as received, by sha256.

Names are never used as paths: a delivery's original name lives in the manifest only.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Archive:
    """Content-addressed files under `root/<first two hex>/<sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put(self, data: bytes) -> str:
        """Store the bytes (once) and return their sha256."""
        digest = sha256_of(data)
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{digest}.{os.getpid()}.partial")
            partial.write_bytes(data)
            os.replace(partial, target)  # atomic: a reader never sees half a file
        return digest

    def put_file(self, source: Path, chunk: int = 8 << 20) -> str:
        """Store a file (once), streaming: a large delivery is never held in memory whole."""
        digest = hashlib.sha256()
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / f".incoming.{os.getpid()}.partial"
        with source.open("rb") as reader, partial.open("wb") as writer:
            while block := reader.read(chunk):
                digest.update(block)
                writer.write(block)
        target = self.path(digest.hexdigest())
        if target.exists():
            partial.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial, target)
        return digest.hexdigest()

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
