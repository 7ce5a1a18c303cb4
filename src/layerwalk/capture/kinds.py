"""What kind of layer an op is, and the short label drawn on the edge into it."""

from __future__ import annotations

from typing import Any

from torch import nn

from layerwalk.capture.trackers import Marker, Tracker

_MODULE_KINDS: list[tuple[tuple[type, ...], str]] = [
    ((Tracker,), "tracker"),
    ((Marker,), "marker"),
    ((nn.modules.conv._ConvNd,), "conv"),
    ((nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm), "norm"),
    ((nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
      nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Sigmoid, nn.Tanh, nn.Softplus), "act"),
    ((nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd, nn.modules.pooling._AdaptiveAvgPoolNd,
      nn.modules.pooling._AdaptiveMaxPoolNd), "pool"),
    ((nn.Linear, nn.Bilinear), "linear"),
    ((nn.MultiheadAttention,), "attention"),
    ((nn.Flatten, nn.Unflatten), "flatten"),
    ((nn.modules.dropout._DropoutNd,), "dropout"),
    ((nn.Softmax, nn.LogSoftmax, nn.Softmax2d), "softmax"),
    ((nn.Upsample,), "resize"),
    ((nn.modules.padding._ConstantPadNd, nn.modules.padding._ReflectionPadNd, nn.modules.padding._ReplicationPadNd,
      nn.ZeroPad2d), "pad"),
    ((nn.Identity,), "identity"),
]

_FUNCTION_KINDS: dict[str, str] = {
    **dict.fromkeys(["add", "add_", "iadd", "__add__", "__iadd__", "__radd__"], "add"),
    **dict.fromkeys(["sub", "sub_", "isub", "__sub__", "__isub__", "__rsub__"], "sub"),
    **dict.fromkeys(["mul", "mul_", "imul", "__mul__", "__imul__", "__rmul__"], "mul"),
    **dict.fromkeys(["truediv", "div", "div_", "__truediv__", "__itruediv__"], "div"),
    **dict.fromkeys(["cat", "concat", "concatenate"], "concat"),
    **dict.fromkeys(["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "gelu", "silu", "mish", "hardswish",
                     "hardsigmoid", "hardtanh", "hardtanh_", "sigmoid", "sigmoid_", "tanh", "elu", "selu",
                     "softplus"], "act"),
    **dict.fromkeys(["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
                     "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool2d",
                     "mean", "amax"], "pool"),
    **dict.fromkeys(["flatten"], "flatten"),
    **dict.fromkeys(["view", "reshape", "squeeze", "unsqueeze", "permute", "transpose", "contiguous",
                     "getitem", "__getitem__", "chunk", "split", "expand", "expand_as", "to", "float", "clone",
                     "detach", "type_as"], "reshape"),
    **dict.fromkeys(["dropout", "dropout2d", "alpha_dropout", "feature_alpha_dropout", "stochastic_depth",
                     "drop_path"], "dropout"),
    **dict.fromkeys(["softmax", "log_softmax"], "softmax"),
    **dict.fromkeys(["linear", "matmul", "__matmul__", "bmm", "mm"], "linear"),
    **dict.fromkeys(["conv1d", "conv2d", "conv3d"], "conv"),
    **dict.fromkeys(["batch_norm", "layer_norm", "group_norm", "instance_norm"], "norm"),
    **dict.fromkeys(["interpolate", "upsample"], "resize"),
    **dict.fromkeys(["pad"], "pad"),
}

# Ops that change no values: hidden in the "layers" view, their consumers connect to their producers.
TRANSPARENT_KINDS = frozenset({"flatten", "reshape", "dropout", "identity", "pad"})


# Well-known parameter-free modules outside torch.nn (torchvision, timm), recognised by class name.
_MODULE_NAME_KINDS = {"Permute": "reshape", "StochasticDepth": "dropout", "DropPath": "dropout"}


def module_kind(module: nn.Module) -> str:
    for types, kind in _MODULE_KINDS:
        if isinstance(module, types):
            return kind
    return _MODULE_NAME_KINDS.get(type(module).__name__, "module")


def is_leaf(module: nn.Module) -> bool:
    """Whether capture treats a module call as ONE op. Both methods use this rule, so they agree on the layers.

    torch.nn's own modules are leaves (torch.fx's rule; ``nn.MultiheadAttention`` is one layer), and so are
    childless subclasses of known layers that hold parameters (timm's weight-standardised convs use theirs through
    functional code, which would otherwise lose them). Everything else is looked into.
    """
    if isinstance(module, (Tracker, Marker)):
        return True
    if type(module).__module__.startswith(("torch.nn.", "torch.ao.nn.")):
        return not isinstance(module, (nn.Sequential, nn.ModuleList, nn.ModuleDict))
    return (module_kind(module) != "module" and not any(module.children())
            and any(True for _ in module.parameters(recurse=False)))


def function_name(target: object) -> str:
    """``operator.add`` → ``add``, ``torch.cat`` → ``cat``, ``"flatten"`` (a method name) → ``flatten``."""
    if isinstance(target, str):
        return target
    name: str = getattr(target, "__name__", None) or type(target).__name__
    return name


def function_kind(name: str) -> str:
    return _FUNCTION_KINDS.get(name, "op")


def _pair(v: int | tuple[int, ...] | list[int]) -> str:
    v = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    return "×".join(str(int(x)) for x in v)


def module_label(module: nn.Module, kind: str) -> str:
    """Short text for the edge into this module's node, e.g. ``conv 3×3/64 s2``."""
    if kind == "conv":
        conv: Any = module  # any conv-like module: torch's _ConvNd or a subclass with the same fields
        stride = conv.stride[0] if isinstance(conv.stride, tuple) else conv.stride
        groups = f" g{conv.groups}" if conv.groups > 1 else ""
        strided = f" s{stride}" if stride != 1 else ""
        return f"conv {_pair(conv.kernel_size)}/{conv.out_channels}" + strided + groups
    if kind == "pool":
        base = type(module).__name__.replace("2d", "").replace("1d", "").replace("3d", "").lower()
        ks = getattr(module, "kernel_size", None)
        stride = getattr(module, "stride", None)
        text = base + (f" {_pair(ks)}" if ks is not None else "")
        if stride not in (None, ks):
            text += f" s{stride[0] if isinstance(stride, tuple) else stride}"
        return text
    if kind == "linear" and isinstance(module, nn.Linear):
        return f"linear {module.in_features}→{module.out_features}"
    if kind == "norm":
        short = {"BatchNorm2d": "bn", "BatchNorm1d": "bn", "LayerNorm": "ln", "GroupNorm": "gn"}
        return short.get(type(module).__name__, "norm")
    if kind == "act":
        return type(module).__name__.lower()
    if kind == "attention":
        return f"attention ×{module.num_heads}"
    if kind in ("tracker",):
        return str(module.name)
    return type(module).__name__.lower()


def function_label(name: str, kind: str) -> str:
    return {"add": "add", "concat": "concat", "mul": "mul", "sub": "sub"}.get(kind, name.strip("_"))


def count_params(module: nn.Module | None) -> int:
    if module is None:
        return 0
    return sum(p.numel() for p in module.parameters(recurse=True))


__all__ = ["module_kind", "is_leaf", "function_kind", "function_name", "module_label", "function_label", "count_params",
           "TRANSPARENT_KINDS"]
