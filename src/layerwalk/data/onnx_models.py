"""``onnx:PATH`` and ``PATH.onnx`` specs: an ONNX model converted to PyTorch with onnx2torch.

ONNX is how models from other frameworks (Keras/TensorFlow via tf2onnx, Caffe via caffe2onnx, MXNet, PaddlePaddle …)
arrive. The file is read with ``onnx.load`` (protobuf: no code runs, nothing is unpickled) and converted by
onnx2torch into an ``nn.Module`` (a torch.fx GraphModule of ordinary layers), which layerwalk captures like any
model. The weights come from the file. Needs the ``onnx`` extra: ``pip install 'layerwalk[onnx]'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch import nn

from layerwalk.errors import SpecError

__all__ = ["OnnxModel", "onnx_model", "is_onnx_spec", "onnx_path"]

DEFAULT_SIDE = 224  # for files whose input height/width are dynamic


@dataclass
class OnnxModel:
    model: nn.Module
    input_size: tuple[int, int, int]


def is_onnx_spec(spec: str) -> bool:
    return spec.lower().startswith("onnx:") or spec.lower().endswith(".onnx")


def onnx_path(spec: str) -> Path:
    return Path(spec[5:] if spec.lower().startswith("onnx:") else spec).expanduser()


def onnx_model(path: str | Path) -> OnnxModel:
    """Read an ONNX file and convert it to PyTorch.

    Args:
        path: the ``.onnx`` file.

    Returns:
        An ``OnnxModel``: the converted module (eval mode) and the (C, H, W) input the file declares.

    Raises:
        SpecError: the extra is missing, the file is missing or not ONNX, or an op cannot be converted.
    """
    onnx, convert = _import_onnx()
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"ONNX file {str(path)!r} does not exist; give the path of a .onnx file")
    try:
        proto = onnx.load(str(path))
        onnx.checker.check_model(proto)
    except Exception as exc:  # noqa: BLE001 - protobuf and the checker raise several kinds
        raise SpecError(f"{path} is not a valid ONNX model ({type(exc).__name__}: {exc}); export it again") from None
    size = _input_size(proto, path)
    _inline_shared_initializers(proto)
    try:
        model = convert(proto)
    except NotImplementedError as exc:
        raise SpecError(f"onnx2torch cannot convert {path.name}: {exc}. Export it again with an older opset "
                        "(torch.onnx.export(..., opset_version=17)) or without that op") from None
    return OnnxModel(model.eval(), size)


def _import_onnx():
    try:
        import onnx
        from onnx2torch import convert
    except ImportError:
        raise SpecError("onnx: specs need the packages onnx and onnx2torch: pip install 'layerwalk[onnx]'") from None
    return onnx, convert


def _input_size(proto, path: Path) -> tuple[int, int, int]:
    """(C, H, W) of the graph's first real input (initializers may be listed as inputs too)."""
    initializers = {i.name for i in proto.graph.initializer}
    inputs = [i for i in proto.graph.input if i.name not in initializers]
    if not inputs:
        raise SpecError(f"{path.name} has no input; export the model with its image input")
    dims = [d.dim_value if d.HasField("dim_value") else None for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) != 4 or dims[1] is None:
        shape = "×".join("?" if d is None else str(d) for d in dims)
        raise SpecError(f"{path.name} takes an input of shape {shape}; layerwalk needs an image batch (N, C, H, W) "
                        "with a fixed number of channels")
    return dims[1], dims[2] or DEFAULT_SIDE, dims[3] or DEFAULT_SIDE


def _inline_shared_initializers(proto) -> None:
    """Replace ``Identity(initializer)`` nodes by a copy of the initializer.

    Exporters deduplicate equal tensors (e.g. the zero biases of convs with a folded BatchNorm) through Identity
    nodes, but onnx2torch reads conv and linear parameters from initializers only; a copy under the Identity's
    output name is what it expects. Written here because neither onnx nor onnx2torch offers this rewrite.
    """
    graph = proto.graph
    by_name = {i.name: i for i in graph.initializer}
    for node in list(graph.node):
        if node.op_type == "Identity" and node.input[0] in by_name:
            copy = type(by_name[node.input[0]])()
            copy.CopyFrom(by_name[node.input[0]])
            copy.name = node.output[0]
            graph.initializer.append(copy)
            graph.node.remove(node)
