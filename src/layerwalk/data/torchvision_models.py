"""``torchvision:NAME`` specs: any torchvision classification architecture, built offline."""

from __future__ import annotations

import difflib
import warnings
from pathlib import Path

import torch
import torchvision.models as tvm
from torch import nn

from layerwalk.errors import SpecError

__all__ = ["torchvision_model", "torchvision_model_names", "replace_stem"]


def torchvision_model_names() -> list[str]:
    """Names accepted after ``torchvision:`` (the classification models of the installed torchvision)."""
    return sorted(tvm.list_models(module=tvm))


def torchvision_model(name: str, num_classes: int = 1000) -> tuple[nn.Module, int, bool]:
    """Build a torchvision classifier; pretrained only if its ImageNet weights are already in the torch hub cache.

    Nothing is downloaded. With ``num_classes == 1000`` a weights file already present in
    ``torch.hub.get_dir()/checkpoints`` (from an earlier ``weights="DEFAULT"``) is loaded with
    ``weights_only=True``; otherwise the model keeps torchvision's random initialisation.

    Args:
        name: e.g. ``"resnet18"``.
        num_classes: outputs of the classifier.

    Returns:
        ``(model, input side length in pixels, pretrained?)``.

    Raises:
        SpecError: unknown name (the message lists close matches).

    >>> torchvision_model("resnet18")[1]
    224
    """
    names, name = torchvision_model_names(), name.strip().lower()  # torchvision's names are all lower case
    if name not in names:
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise SpecError(f"torchvision has no classification model {name!r}; {hint}list them with "
                        "python -c \"import torchvision.models as m; print(m.list_models(module=m))\"")
    with warnings.catch_warnings():  # inception/googlenet warn about a future change of their default init
        warnings.simplefilter("ignore", FutureWarning)
        model = tvm.get_model(name, weights=None, num_classes=num_classes)
    pretrained = num_classes == 1000 and _load_cached_weights(model, name)
    return model, _input_side(model, name), pretrained


def replace_stem(model: nn.Module, in_channels: int) -> nn.Module:
    """Swap the first 3-channel ``Conv2d`` (the stem of every torchvision classifier) for a fresh one.

    Args:
        model: the model (modified in place).
        in_channels: channels of the new input.

    Returns:
        ``model``.

    >>> replace_stem(tvm.resnet18(), 1).conv1.in_channels
    1
    """
    for path, conv in model.named_modules():
        if isinstance(conv, nn.Conv2d) and conv.in_channels == 3:
            new = nn.Conv2d(in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                            conv.dilation, conv.groups, conv.bias is not None, conv.padding_mode)
            parent, _, name = path.rpartition(".")
            setattr(model.get_submodule(parent) if parent else model, name, new)
            return model
    raise SpecError(f"found no 3-channel Conv2d to adapt to {in_channels} channels; wrap the model in a factory "
                    "(file.py:factory) that takes in_channels")


def _input_side(model: nn.Module, name: str) -> int:
    # ViTs are built for a fixed size (model.image_size); the others take the crop of their default weights
    if isinstance(getattr(model, "image_size", None), int):
        return model.image_size
    crop = getattr(tvm.get_model_weights(name).DEFAULT.transforms(), "crop_size", [224])
    return int(crop[0])


def _load_cached_weights(model: nn.Module, name: str) -> bool:
    checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    for weights in tvm.get_model_weights(name):
        if weights.meta.get("num_params") != sum(p.numel() for p in model.parameters()):
            continue  # e.g. SWAG weights of a ViT built for another image size
        path = checkpoints / Path(weights.url).name
        if path.is_file():
            try:
                model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
                return True
            except Exception:  # noqa: BLE001 - a bad cache file must not stop a random-init model
                continue
    return False
