"""The on-disk layout of a precompute run: a content-addressed directory, shards with completion markers.

``OUT/<key>/`` where the key hashes everything that determines the result (weights, preprocessing, dataset,
parameters), so a result is never mistaken for another model's and rerunning the same command finds its own
shards. Each shard is written to a temporary file and renamed into place, then its marker is written: a shard
file without a marker (a crash between the two) is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

FORMAT = 1


def run_key(weights: str, preprocessing: dict, dataset: dict, params: dict) -> str:
    payload = json.dumps({"format": FORMAT, "weights": weights, "preprocessing": preprocessing,
                          "dataset": dataset, "params": params}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class RunStore:
    """Shards and results of one run under ``root/<key>``."""

    def __init__(self, root: str | Path, key: str):
        self.root = Path(root)
        self.dir = self.root / key
        self.key = key

    def shard_path(self, i: int) -> Path:
        return self.dir / "shards" / f"{i:06d}.safetensors"

    def is_done(self, i: int) -> bool:
        return (self.dir / "shards" / f"{i:06d}.done").exists() and self.shard_path(i).exists()

    def write_shard(self, i: int, data: bytes) -> None:
        atomic_write(self.shard_path(i), data)
        atomic_write(self.dir / "shards" / f"{i:06d}.done", hashlib.sha256(data).hexdigest().encode())

    def read_shard(self, i: int) -> bytes:
        return self.shard_path(i).read_bytes()

    def clean_temporaries(self) -> None:
        """Temp files left by a killed run (never renamed into place) are removed at start."""
        for tmp in self.dir.rglob(".*.tmp") if self.dir.exists() else ():
            tmp.unlink(missing_ok=True)

    @property
    def complete(self) -> bool:
        return (self.dir / "manifest.json").exists()
