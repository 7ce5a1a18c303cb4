"""Disk cache of influence work, keyed by the weights fingerprint and the training-set spec (plus every option
that changes the numbers). EK-FAC factors are a folder per (weights, data, factor options) that Kronfluence fills;
scores are one safetensors file per (weights, data, queries, method options), written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

__all__ = ["default_cache_dir", "cache_key", "weights_fingerprint", "load_entry", "save_entry"]


def default_cache_dir() -> Path:
    return Path(os.environ.get("LAYERWALK_CACHE", Path.home() / ".cache" / "layerwalk")) / "influence"


def weights_fingerprint(model: torch.nn.Module) -> str:
    """sha256 of every parameter and buffer, computed on every call (not memoised per model object like the feature
    visualization's: weights edited in place, e.g. by training between two calls, must change the key)."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(str((tuple(t.shape), t.dtype)).encode())
        h.update(t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def cache_key(**parts: Any) -> str:
    """sha256 over the parts (JSON, sorted keys; tensors and dtypes by their text)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load_entry(path: Path) -> tuple[dict[str, torch.Tensor], dict] | None:
    if not path.exists():
        return None
    try:
        with safe_open(str(path), "pt") as f:
            meta = json.loads(f.metadata()["layerwalk"])
        return load_file(str(path)), meta
    except Exception:  # noqa: BLE001 - a damaged entry is recomputed, never trusted
        return None


def save_entry(path: Path, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    save_file({k: v.contiguous() for k, v in tensors.items()}, tmp, metadata={"layerwalk": json.dumps(meta)})
    os.replace(tmp, path)
