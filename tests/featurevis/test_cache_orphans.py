"""A server killed while writing the feature-visualization cache leaves ``tmp*.tmp``: the next start removes it."""

from __future__ import annotations

import os
import time

from layerwalk.featurevis import FeatureVisCache
from layerwalk.server import remove_orphaned_temp_files


def _orphan(root, name: str, age_seconds: float):
    path = root / "ab" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half an entry")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_server_start_removes_orphaned_cache_temp_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path))
    root = FeatureVisCache().root
    old = _orphan(root, "tmpk3j2l1.tmp", age_seconds=3600)
    writing = _orphan(root, "tmpwriting.tmp", age_seconds=0)  # another process may be writing it right now
    entry = _orphan(root, "ab12.safetensors", age_seconds=3600)
    remove_orphaned_temp_files()
    assert not old.exists() and writing.exists() and entry.exists()


def test_remove_orphans_counts(tmp_path):
    cache = FeatureVisCache(tmp_path)
    assert cache.remove_orphans() == 0  # no cache folder yet
    for i in range(3):
        _orphan(tmp_path, f"tmp{i}.tmp", age_seconds=120)
    assert cache.remove_orphans() == 3 and not list(tmp_path.glob("*/tmp*.tmp"))
