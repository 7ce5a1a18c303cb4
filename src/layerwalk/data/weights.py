"""Loading weight files without ever unpickling arbitrary objects, with a readable report on mismatches.

``.pt``/``.pth`` files go through ``torch.load(weights_only=True)``, which only rebuilds tensors and plain
containers; safetensors files (recognised by their header, whatever their name) contain nothing else anyway.
"""

from __future__ import annotations

import json
import pickle
import re
import struct
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from layerwalk.errors import WeightsError

__all__ = ["read_state_dict", "load_weights", "mismatch_report"]

_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "net", "weights")
_RESAVE = ("re-save it from the training code with torch.save(model.state_dict(), 'weights.pt') "
           "or safetensors.torch.save_file(model.state_dict(), 'weights.safetensors')")
_LIST_LIMIT = 8
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # torch colours part of its messages
_TORCH_ADVICE = re.compile(r"weights_only|safe_globals|trust|file an issue|documentation of torch\.load", re.I)
_WEIGHT_SUFFIXES = (".pt", ".pth", ".safetensors", ".bin", ".ckpt")


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a state dict from a ``.pt``/``.pth`` or ``.safetensors`` file, safely.

    Accepts a raw state dict or a checkpoint dict holding it under ``"state_dict"``/``"model"`` (and a few
    other common keys); a ``"module."`` prefix left by ``DataParallel`` is removed.

    Args:
        path: the weights file.

    Returns:
        ``{parameter name: tensor}`` on the CPU.

    Raises:
        WeightsError: missing file, pickled objects inside, or no state dict found.

    >>> read_state_dict("covidresnet.safetensors")["fc.bias"].shape  # doctest: +SKIP
    torch.Size([2])
    """
    path = Path(path)
    if path.is_dir():
        raise WeightsError(_directory_message(path))
    if not path.is_file():
        raise WeightsError(f"weights file {str(path)!r} does not exist; check the path")
    raw = _read_safetensors(path) if _is_safetensors(path) else _read_torch(path)
    return _strip_module_prefix(_unwrap(raw, path))


def _is_safetensors(path: Path) -> bool:
    # header: u64 little-endian JSON length, then the JSON object; decided by content, not by the suffix
    with path.open("rb") as f:
        head = f.read(9)
    if len(head) < 9 or head[8:9] != b"{":
        return False
    return struct.unpack("<Q", head[:8])[0] < path.stat().st_size


def _read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, json.JSONDecodeError, OSError, ValueError) as e:
        raise WeightsError(f"{path.name} looks like a safetensors file but cannot be read ({e}); "
                           "the file may be truncated — copy or export it again") from None


def _directory_message(path: Path) -> str:
    files = sorted(p.name for p in path.iterdir() if p.suffix in _WEIGHT_SUFFIXES)[:5] if path.exists() else []
    found = f" (it holds {', '.join(files)})" if files else ""
    return (f"{str(path)!r} is a directory{found}; --weights takes one weights file (.pt, .pth or .safetensors), "
            f"e.g. --weights {path / (files[0] if files else 'model.safetensors')}")


def _read_torch(path: Path) -> object:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if global_name := re.search(r"Unsupported global: GLOBAL (\S+)", _ANSI.sub("", str(e))):
            raise WeightsError(
                f"{path.name} contains pickled Python objects (here {global_name.group(1)}), which layerwalk never "
                f"loads because unpickling can run arbitrary code. If it is a whole saved model or a checkpoint "
                f"with custom classes, {_RESAVE}") from None
        raise WeightsError(f"{path.name} is neither a PyTorch weights file (.pt/.pth) nor a safetensors file "
                           f"({_reason(e)}); {_RESAVE}") from None
    except Exception as e:  # noqa: BLE001 - garbage input makes the unpickler fail in many ways (even KeyError)
        raise WeightsError(f"{path.name} is neither a PyTorch weights file (.pt/.pth) nor a safetensors file "
                           f"({_reason(e)}); {_RESAVE}") from None


def _reason(e: Exception) -> str:
    """One line from torch's message without its colour codes and without its advice to load with
    ``weights_only=False`` (which would run the file's code: never suggest it)."""
    text = _ANSI.sub("", str(e))
    text = text.split("WeightsUnpickler error:", 1)[-1]
    lines = [line.strip() for line in text.splitlines() if line.strip() and not _TORCH_ADVICE.search(line)]
    return lines[0][:200] if lines else type(e).__name__


def _unwrap(raw: object, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(raw, Mapping) and not _is_state_dict(raw):
        for key in _WRAPPER_KEYS:
            if _is_state_dict(raw.get(key)):
                return dict(raw[key])
    if _is_state_dict(raw):
        return dict(raw)
    found = ", ".join(map(repr, list(raw)[:8])) if isinstance(raw, Mapping) else type(raw).__name__
    raise WeightsError(f"{path.name} holds no state dict (found {found}); expected {{name: tensor}} or a dict "
                       f"with a 'state_dict' or 'model' entry; {_RESAVE}")


def _is_state_dict(value: object) -> bool:
    return (isinstance(value, Mapping) and len(value) > 0
            and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items()))


def _strip_module_prefix(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # nn.DataParallel / DistributedDataParallel save every key as "module.<name>"
    if all(k.startswith("module.") for k in state):
        return {k[len("module."):]: v for k, v in state.items()}
    return state


def mismatch_report(model: nn.Module, state: Mapping[str, torch.Tensor]) -> str | None:
    """Describe how ``state`` does not fit ``model``: missing, unexpected and mis-shaped keys.

    Args:
        model: the architecture.
        state: the state dict to load.

    Returns:
        A multi-line human-readable report, or ``None`` when every key and shape matches.

    >>> mismatch_report(nn.Linear(2, 3), {"weight": torch.zeros(3, 2), "bias": torch.zeros(3)}) is None
    True
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    misshaped = [f"{k}: file {_shape(state[k])} ≠ model {_shape(expected[k])}"
                 for k in expected if k in state and state[k].shape != expected[k].shape]
    parts = [_section(title, items) for title, items in
             (("missing keys (in the model, not in the file)", missing),
              ("unexpected keys (in the file, not in the model)", unexpected),
              ("mis-shaped keys", misshaped)) if items]
    return "\n".join(parts) if parts else None


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(map(str, t.shape)) + ")"


def _section(title: str, items: list[str]) -> str:
    lines = [f"  - {item}" for item in items[:_LIST_LIMIT]]
    if len(items) > _LIST_LIMIT:
        lines.append(f"  … and {len(items) - _LIST_LIMIT} more")
    return f"{len(items)} {title}:\n" + "\n".join(lines)


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load a weights file into ``model`` strictly: every key present, no extra key, every shape equal.

    Args:
        model: the architecture to fill (modified in place).
        path: ``.pt``/``.pth`` or ``.safetensors`` file.

    Returns:
        ``model``.

    Raises:
        WeightsError: unsafe or unreadable file, or a mismatch (the message lists the offending keys).

    >>> load_weights(CovidResNet(), "covidresnet.pt")  # doctest: +SKIP
    """
    state = read_state_dict(path)
    report = mismatch_report(model, state)
    if report:
        raise WeightsError(f"{Path(path).name} does not fit {type(model).__name__}:\n{report}\n"
                           "Check that the spec, num_classes and in_channels match the trained model.")
    model.load_state_dict(state, strict=True)
    return model
