"""Resumable checkpoints in one safetensors file: model, optimizer state, RNG states, epoch and metrics.

Tensors go into the file under ``model.*``, ``optim.*`` and ``rng.*``; everything else (the optimizer's
hyper-parameters, the epoch, the metrics so far, the run's config) goes into the JSON metadata. Nothing is
unpickled on load. Writes are atomic (temporary file + rename), so an interruption never leaves a broken file.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, safe_open, save_file

from layerwalk.errors import WeightsError

__all__ = ["save_checkpoint", "load_checkpoint", "remove_stale_temp"]


def save_checkpoint(path: Path, model, optimizer, *, epoch: int, extra: dict) -> None:
    """Write ``path`` atomically. ``epoch`` = number of finished epochs."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    optim_t, optim_meta = _flatten_optimizer(optimizer.state_dict())
    tensors.update(optim_t)
    rng_t, rng_meta = _rng_state()
    tensors.update(rng_t)
    meta = {"epoch": epoch, "optimizer": optim_meta, "rng": rng_meta, "extra": extra}
    tmp = _temp_path(path)
    save_file(tensors, str(tmp), metadata={"layerwalk": json.dumps(meta)})
    os.replace(tmp, path)


def remove_stale_temp(path: Path) -> bool:
    """At the start of a run: delete the temporary file a killed save left beside ``path``; True if there was one.
    (One run per output folder writes it, so any such file at start is an orphan.)"""
    tmp = _temp_path(path)
    if tmp.exists():
        tmp.unlink()
        return True
    return False


def _temp_path(path: Path) -> Path:
    return path.with_suffix(".tmp")


def load_checkpoint(path: Path, model, optimizer) -> tuple[int, dict]:
    """Restore model, optimizer and RNG states from ``path``; returns (finished epochs, extra)."""
    try:
        with safe_open(str(path), "pt") as f:
            meta = json.loads(f.metadata()["layerwalk"])
        tensors = load_file(str(path))
    except Exception as e:  # noqa: BLE001 - any failure means the same thing to the user
        raise WeightsError(f"{path} is not a layerwalk checkpoint ({e}); delete it or pass --no-resume") from None
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    optimizer.load_state_dict(_unflatten_optimizer(tensors, meta["optimizer"]))
    _set_rng_state(tensors, meta["rng"])
    return int(meta["epoch"]), meta["extra"]


def _flatten_optimizer(state: dict) -> tuple[dict, dict]:
    tensors, per_param = {}, {}
    for pid, values in state["state"].items():
        per_param[str(pid)] = {}
        for name, v in values.items():
            if torch.is_tensor(v):
                tensors[f"optim.state.{pid}.{name}"] = v.detach().cpu().contiguous()
            else:
                per_param[str(pid)][name] = v
    groups = []
    for g, group in enumerate(state["param_groups"]):
        plain = {}
        for name, v in group.items():
            if torch.is_tensor(v):
                tensors[f"optim.group.{g}.{name}"] = v.detach().cpu().contiguous()
            else:
                plain[name] = list(v) if isinstance(v, tuple) else v
        groups.append(plain)
    return tensors, {"state": per_param, "groups": groups}


def _unflatten_optimizer(tensors: dict, meta: dict) -> dict:
    state = {int(pid): dict(values) for pid, values in meta["state"].items()}
    groups = [dict(g) for g in meta["groups"]]
    for key, v in tensors.items():
        parts = key.split(".", 3)
        if parts[:2] == ["optim", "state"]:
            state.setdefault(int(parts[2]), {})[parts[3]] = v
        elif parts[:2] == ["optim", "group"]:
            groups[int(parts[2])][parts[3]] = v
    for g in groups:
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
    return {"state": state, "param_groups": groups}


def _rng_state() -> tuple[dict, dict]:
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = s
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    tensors["rng.numpy"] = torch.from_numpy(keys.astype(np.int64))
    version, py_state, py_gauss = random.getstate()
    meta = {"numpy": [kind, int(pos), int(has_gauss), float(gauss)], "python": [version, list(py_state), py_gauss]}
    return tensors, meta


def _set_rng_state(tensors: dict, meta: dict) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    cuda = [tensors[k] for k in sorted(k for k in tensors if k.startswith("rng.cuda."))]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    kind, pos, has_gauss, gauss = meta["numpy"]
    np.random.set_state((kind, tensors["rng.numpy"].numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, py_state, py_gauss = meta["python"]
    random.setstate((version, tuple(py_state), py_gauss))
