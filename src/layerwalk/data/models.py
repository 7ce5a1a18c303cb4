"""Model specs → a ready model with its preprocessing: ``load_model``.

============================  =====================================================================
spec                          model
============================  =====================================================================
``demo``                      EfficientNet-Lite0 with its ImageNet weights (224×224, Lite normalisation)
``covidresnet``               CovidResNet of the paper, Kaiming init, input 3×180×250 (W×H 250×180)
``coviddensenet``             CovidDenseNet of the paper, Kaiming init, input 3×180×250
``torchvision:NAME``          any torchvision classifier, e.g. ``torchvision:resnet18`` (random init
                              unless its ImageNet weights are already in the torch hub cache)
``timm:NAME``                  any timm model, e.g. ``timm:convnext_tiny`` (random init unless its weights are in
                              the local Hugging Face cache), with timm's input size and normalisation
``onnx:PATH``, ``PATH.onnx``  an ONNX model (Keras/TF, Caffe … exports), converted with onnx2torch
``path/to/file.py:factory``   a user model (see ``layerwalk.data.user_models`` for optional metadata)
``package.module:factory``    the same, from an importable module
============================  =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch import nn

from layerwalk.data.covid_nets import INPUT_SIZE as COVID_INPUT_SIZE
from layerwalk.data.covid_nets import CovidDenseNet, CovidResNet
from layerwalk.data.imagenet import IMAGENET_MEAN, IMAGENET_STD, imagenet_class_names
from layerwalk.data.weights import load_weights, read_state_dict
from layerwalk.errors import SpecError

__all__ = ["ModelBundle", "load_model", "MODEL_SPECS"]

MODEL_SPECS = ("demo", "covidresnet", "coviddensenet", "torchvision:NAME", "timm:NAME", "onnx:PATH",
               "path/to/file.py:factory", "package.module:factory")


@dataclass
class ModelBundle:
    """A model in eval mode on the CPU plus what it takes to feed it.

    Attributes:
        model: the network.
        name: human name, e.g. ``"EfficientNet-Lite0 (ImageNet)"``; says "random init" for untrained models.
        spec: the spec it was loaded from.
        input_size: (C, H, W) the model expects.
        mean, std: per-channel normalisation on 0…1 pixels; ``None`` → use the dataset's.
        class_names: ``None`` → use the dataset's.
    """

    model: nn.Module
    name: str
    spec: str
    input_size: tuple[int, int, int]
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    class_names: list[str] | None = None
    spec_carries_weights: bool = False  # ONNX files: a separate weights file makes no sense


def load_model(spec: str, *, weights: str | Path | None = None, num_classes: int | None = None,
               in_channels: int | None = None) -> ModelBundle:
    """Build the model a spec names, optionally fill it from a weights file, and put it in eval mode.

    Args:
        spec: one of ``MODEL_SPECS`` (see the module docstring).
        weights: ``.pt``/``.pth`` (loaded with ``weights_only=True``) or ``.safetensors``; must match exactly.
        num_classes: classifier outputs (default: 1000 for ImageNet models, 2 for the Covid nets).
        in_channels: input channels (default 3).

    Returns:
        A ``ModelBundle``.

    Raises:
        SpecError: unknown or broken spec. WeightsError: unsafe, unreadable or mismatching weights.

    >>> bundle = load_model("covidresnet", num_classes=3)
    >>> bundle.input_size, bundle.model.fc.out_features
    ((3, 180, 250), 3)
    """
    for option, value in (("num_classes", num_classes), ("in_channels", in_channels)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise SpecError(f"{option} must be a positive integer, not {value!r}")
    spec = spec.strip()
    bundle = _build(spec, num_classes, in_channels)
    if weights is not None:
        if bundle.spec_carries_weights:
            raise SpecError(f"{spec} carries its own weights; leave out --weights")
        state = read_state_dict(weights)
        inferred = _shape_from_weights(bundle.model, state, num_classes, in_channels)
        if inferred is not None:  # e.g. a 10-class, 1-channel CovidResNet trained on Fashion-MNIST
            bundle = _build(spec, *inferred)
        load_weights(bundle.model, weights)
        bundle.name = f"{bundle.name.split(' (')[0]} ({Path(weights).name})"
    bundle.model.eval().to("cpu")
    return bundle


def _shape_from_weights(model: nn.Module, state: dict, num_classes: int | None,
                        in_channels: int | None) -> tuple[int | None, int | None] | None:
    """(classes, channels) the weights were trained with, where the caller left them open and they differ.

    The stem is the model's first 4-D weight (its in-channels), the classifier its last 2-D weight (its rows).
    """
    params = [(k, p) for k, p in model.named_parameters() if k.endswith("weight")]
    stem = next((k for k, p in params if p.dim() == 4), None)
    head = next((k for k, p in reversed(params) if p.dim() == 2), None)
    model_state = model.state_dict()
    classes = channels = None
    if num_classes is None and head in state and state[head].dim() == 2:
        classes = int(state[head].shape[0]) if state[head].shape[0] != model_state[head].shape[0] else None
    if in_channels is None and stem in state and state[stem].dim() == 4:
        channels = int(state[stem].shape[1]) if state[stem].shape[1] != model_state[stem].shape[1] else None
    if classes is None and channels is None:
        return None
    return classes or num_classes, channels or in_channels


def _build(spec: str, num_classes: int | None, in_channels: int | None) -> ModelBundle:
    key = spec.lower()
    if key == "demo":
        return _demo(spec, num_classes, in_channels)
    if key in ("covidresnet", "coviddensenet"):
        return _covid(spec, num_classes, in_channels)
    if key.startswith("torchvision:"):
        return _torchvision(spec, num_classes, in_channels)
    if key.startswith("timm:"):
        return _timm(spec, num_classes, in_channels)
    from layerwalk.data.onnx_models import is_onnx_spec

    if is_onnx_spec(spec):
        return _onnx(spec, num_classes, in_channels)
    from layerwalk.data.user_models import is_user_spec

    if is_user_spec(spec):
        return _user(spec, num_classes, in_channels)
    raise SpecError(f"unknown model spec {spec!r}; use one of: {', '.join(MODEL_SPECS)}")


def _demo(spec: str, num_classes: int | None, in_channels: int | None) -> ModelBundle:
    from layerwalk.data.efficientnet import LITE_INPUT_SIZE, LITE_MEAN, LITE_STD, efficientnet_lite0

    classes, channels = num_classes or 1000, in_channels or 3
    model = efficientnet_lite0(num_classes=classes, in_channels=channels)
    fresh = [what for what, changed in (("classifier", classes != 1000), ("stem", channels != 3)) if changed]
    name = "EfficientNet-Lite0 (ImageNet" + (f", new {' and '.join(fresh)} random init)" if fresh else ")")
    rgb = channels == 3  # the pretrained stem expects the Lite normalisation of RGB pixels
    return ModelBundle(model, name, spec, (channels, *LITE_INPUT_SIZE[1:]), LITE_MEAN if rgb else None,
                       LITE_STD if rgb else None, imagenet_class_names() if classes == 1000 else None)


def _covid(spec: str, num_classes: int | None, in_channels: int | None) -> ModelBundle:
    cls = CovidResNet if spec.lower() == "covidresnet" else CovidDenseNet
    channels = in_channels or COVID_INPUT_SIZE[0]
    model = cls(num_classes=num_classes or 2, in_channels=channels)
    return ModelBundle(model, f"{cls.__name__} (random init)", spec, (channels, *COVID_INPUT_SIZE[1:]))


def _torchvision(spec: str, num_classes: int | None, in_channels: int | None) -> ModelBundle:
    from layerwalk.data.torchvision_models import replace_stem, torchvision_model

    name, classes, channels = spec.split(":", 1)[1].strip(), num_classes or 1000, in_channels or 3
    model, side, pretrained = torchvision_model(name, num_classes=classes)
    if channels != 3:
        replace_stem(model, channels)  # e.g. grayscale Fashion-MNIST into a ResNet
    label = "ImageNet weights from the torch hub cache" if pretrained else "random init, no pretrained weights"
    if pretrained and channels != 3:
        label += f", new {channels}-channel stem random init"
    rgb, imagenet = channels == 3, classes == 1000
    return ModelBundle(model, f"{name} ({label})", spec, (channels, side, side), IMAGENET_MEAN if rgb and imagenet
                       else None, IMAGENET_STD if rgb and imagenet else None,
                       imagenet_class_names() if imagenet else None)


def _timm(spec: str, num_classes: int | None, in_channels: int | None) -> ModelBundle:
    from layerwalk.data.timm_models import timm_model

    name, classes = spec.split(":", 1)[1].strip(), num_classes or 1000
    found = timm_model(name, num_classes=classes, in_channels=in_channels or 3)
    label = "pretrained weights from the local Hugging Face cache" if found.pretrained else "random init"
    imagenet = classes == 1000  # as for torchvision: ImageNet's class names for a 1000-way classifier
    return ModelBundle(found.model, f"{name} ({label})", spec, found.input_size, found.mean, found.std,
                       imagenet_class_names() if imagenet else None)


def _onnx(spec: str, num_classes: int | None, in_channels: int | None) -> ModelBundle:
    from layerwalk.data.onnx_models import onnx_model, onnx_path

    path = onnx_path(spec)
    found = onnx_model(path)
    if in_channels is not None and in_channels != found.input_size[0]:
        raise SpecError(f"{path.name} takes {found.input_size[0]}-channel images, the dataset has {in_channels} "
                        "channels; use a dataset with matching channels")
    if num_classes is not None:
        raise SpecError(f"{path.name} has its classifier built in; leave out num_classes")
    return ModelBundle(found.model, f"{path.stem} (ONNX)", spec, found.input_size, spec_carries_weights=True)


def _user(spec: str, num_classes: int | None, in_channels: int | None) -> ModelBundle:
    from layerwalk.data.user_models import user_model

    found = user_model(spec, num_classes=num_classes, in_channels=in_channels)
    size = found.input_size or (in_channels or 3, 224, 224)
    name = f"{type(found.model).__name__} ({spec.rpartition(':')[0].rsplit('/', 1)[-1]})"
    return ModelBundle(found.model, name, spec, size, found.mean, found.std, found.class_names)
