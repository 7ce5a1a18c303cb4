"""``timm:NAME`` specs: any model of PyTorch Image Models (timm), built offline with timm's own preprocessing.

``NAME`` is an architecture (``convnext_tiny``) or an architecture with a pretrained tag
(``resnet50.a1_in1k``). Nothing is downloaded: the model gets its pretrained weights only if they are already
in the local Hugging Face hub cache (from an earlier ``timm.create_model(NAME, pretrained=True)``); otherwise it
keeps timm's random initialisation. A weights file of your own goes through ``--weights`` as for every spec.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from torch import nn

from layerwalk.errors import SpecError

__all__ = ["TimmModel", "timm_model"]


@dataclass
class TimmModel:
    model: nn.Module
    input_size: tuple[int, int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    pretrained: bool


def timm_model(name: str, *, num_classes: int = 1000, in_channels: int = 3) -> TimmModel:
    """Build a timm model, with its cached pretrained weights when the classifier and stem are unchanged.

    Args:
        name: a timm model name, e.g. ``"convnext_tiny"`` or ``"resnet50.a1_in1k"``.
        num_classes: outputs of the classifier.
        in_channels: input channels (timm's ``in_chans``).

    Returns:
        A ``TimmModel``: the model plus timm's preprocessing config (input size, mean, std).

    Raises:
        SpecError: unknown name (with close matches), or a model that cannot be built so.

    >>> timm_model("resnet18", num_classes=10).input_size
    (3, 224, 224)
    """
    import timm
    import timm.data

    name = name.strip()
    if not timm.is_model(name):
        raise SpecError(f"timm has no model {name!r}; {_hint(name, timm.list_models())}list them with "
                        "python -c \"import timm; print(timm.list_models())\"")
    try:
        model = timm.create_model(name, pretrained=False, num_classes=num_classes, in_chans=in_channels)
    except Exception as exc:  # noqa: BLE001 - timm raises many kinds for options a model does not take
        raise SpecError(f"timm cannot build {name!r} with {num_classes} classes and {in_channels} input "
                        f"channels: {exc}") from None
    pretrained = num_classes == 1000 and in_channels == 3 and _load_cached_weights(model)
    config = timm.data.resolve_model_data_config(model)
    size = tuple(int(v) for v in config["input_size"])
    mean, std = (tuple(float(v) for v in config[k]) for k in ("mean", "std"))
    if in_channels != len(mean):  # timm's config is for RGB; a new stem takes the dataset's normalisation
        mean, std = (sum(mean) / len(mean),) * in_channels, (sum(std) / len(std),) * in_channels
    return TimmModel(model, (in_channels, *size[1:]), mean, std, pretrained)


def _hint(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name.lower(), names, n=5, cutoff=0.6)
    return f"did you mean {', '.join(close)}? " if close else ""


def _load_cached_weights(model: nn.Module) -> bool:
    """Load the model's pretrained weights from the local Hugging Face cache, if they are there (safetensors only)."""
    hub_id = (getattr(model, "pretrained_cfg", None) or {}).get("hf_hub_id")
    if not hub_id:
        return False
    from huggingface_hub import try_to_load_from_cache
    from safetensors.torch import load_file

    path = try_to_load_from_cache(hub_id, "model.safetensors")
    if not isinstance(path, str):
        return False
    try:
        model.load_state_dict(load_file(path))
        return True
    except Exception:  # noqa: BLE001 - a stale or partial cache file must not stop a random-init model
        return False
