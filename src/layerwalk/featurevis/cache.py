"""Disk cache of feature visualizations, keyed by everything that determines a result.

Key = weights fingerprint + layer + channel + start image + parameters. Files are written to a temporary name
and renamed into place, so a cancelled or crashed job never leaves a half-written entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
import weakref
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

# bumped when the redirected-ReLU rule changes (2: ReLU6 redirected too; the sign follows the loop's direction)
RELU_RULE_VERSION = 2

_fingerprints: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def default_cache_dir() -> Path:
    return Path(os.environ.get("LAYERWALK_CACHE", Path.home() / ".cache" / "layerwalk")) / "featurevis"


def weights_fingerprint(model: torch.nn.Module) -> str:
    """sha256 of every parameter and buffer (names, shapes, values); computed once per model object."""
    if model not in _fingerprints:
        h = hashlib.sha256()
        for name, t in sorted(model.state_dict().items()):
            h.update(name.encode())
            h.update(str(tuple(t.shape)).encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
        _fingerprints[model] = h.hexdigest()
    return _fingerprints[model]


def tensor_fingerprint(t: torch.Tensor) -> str:
    return hashlib.sha256(t.detach().cpu().float().contiguous().numpy().tobytes()).hexdigest()


def _jsonable(obj):
    if dataclasses.is_dataclass(obj):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(obj).items()}
    return obj


class FeatureVisCache:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()

    @staticmethod
    def key(weights: str, layer: str, channel: int, start: str, params) -> str:
        fields = {"weights": weights, "layer": layer, "channel": int(channel), "start": start,
                  "params": _jsonable(params)}
        if getattr(params, "relu_override", False):
            fields["relu_rule"] = RELU_RULE_VERSION
        payload = json.dumps(fields, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.safetensors"

    def get(self, key: str) -> tuple[torch.Tensor, np.ndarray] | None:
        path = self._path(key)
        if not path.exists():
            return None
        try:
            data = load_file(str(path))
        except Exception:  # a corrupt entry (disk trouble) is recomputed, not fatal
            return None
        return data["image"], data["history"].numpy()

    def put(self, key: str, image: torch.Tensor, history: np.ndarray) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        try:
            save_file({"image": image.detach().cpu().contiguous(),
                       "history": torch.tensor(np.asarray(history, np.float32)).contiguous()}, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def __contains__(self, key: str) -> bool:
        return self._path(key).exists()

    def remove_orphans(self, min_age_seconds: float = 60.0) -> int:
        """Delete the ``tmp*.tmp`` files a killed writer left behind; returns how many. Files younger than
        ``min_age_seconds`` may belong to a writer in another process still at work, so they stay."""
        removed, cutoff = 0, time.time() - min_age_seconds
        for tmp in self.root.glob("*/tmp*.tmp"):
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
            except FileNotFoundError:  # its writer finished (renamed or removed it) meanwhile
                continue
        return removed
