"""The filters themselves (ConvViz's filter view): a conv layer's kernels, and for a first layer the steps from
its weights to one feature map — convolution of the input, + bias, activation.

A layer's node names the module whose weights belong to it (``GraphNode.module``); a node that folds a batch norm
and an activation (``conv · bn · relu``) shows the activation's output, so the "+ bias" step applies the conv's
bias and then the folded batch norm (its affine map is a per-channel bias and scale), and the last step is the
node's own recorded output.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from layerwalk.capture import GraphNode
from layerwalk.capture.replay import EditError
from layerwalk.engine import Network, Snapshot
from layerwalk.probing._channels import checked_channels


@dataclass(frozen=True)
class LayerWeights:
    """``weight``: (out, in, kh, kw) (a linear layer: (out, in, 1, 1)); ``norms``: (out, in), each kernel's L2 norm."""

    layer: str
    module: str
    weight: torch.Tensor
    bias: torch.Tensor | None

    @property
    def norms(self) -> torch.Tensor:
        norms: torch.Tensor = self.weight.flatten(2).norm(dim=2)
        return norms


@dataclass(frozen=True)
class ConvolutionSteps:
    """One feature map of a first layer, step by step (each (H, W)): ``convolved`` = input * kernel,
    ``biased`` = + bias (and the folded batch norm, if any), ``output`` = the layer's output (after its activation)."""

    layer: str
    channel: int
    convolved: torch.Tensor
    biased: torch.Tensor
    output: torch.Tensor
    bias: float
    batch_norm: bool


def layer_weights(network: Network, layer: str) -> LayerWeights:
    """The weights of the conv or linear module behind ``layer``.

    Raises:
        NotFoundError: an unknown layer. EditError: a layer without conv or linear weights (pooling, add …).

    >>> import torchvision, layerwalk
    >>> net = layerwalk.Network(torchvision.models.resnet18(), input_size=(3, 64, 64))
    >>> layer_weights(net, "conv1").weight.shape
    torch.Size([64, 3, 7, 7])
    """
    node = network.graph.node(layer)
    module = _module(network, node.module) if node.module else None
    if not isinstance(module, (nn.Conv2d, nn.Linear, nn.Conv1d)):
        raise EditError(f"layer {layer!r} ({node.kind}) has no conv or linear weights to show; pick a conv layer")
    weight = module.weight.detach().float().cpu()
    weight = weight.reshape(*weight.shape[:2], -1, 1) if weight.dim() == 3 else weight
    weight = weight[:, :, None, None] if weight.dim() == 2 else weight
    bias = module.bias.detach().float().cpu() if module.bias is not None else None
    return LayerWeights(layer, node.module or "", weight, bias)


def first_layer_convolution(network: Network, layer: str, channel: int,
                            snapshot: Snapshot | None = None) -> ConvolutionSteps:
    """ConvViz's first-layer view of feature map ``channel``: the input convolved with its kernel, + bias, output.

    Only layers that read the network's input directly have this view (deeper kernels see many maps at once).

    >>> import torchvision, layerwalk
    >>> net = layerwalk.Network(torchvision.models.resnet18(), input_size=(3, 64, 64))
    >>> steps = first_layer_convolution(net, "conv1", 5)
    >>> steps.convolved.shape, steps.batch_norm
    (torch.Size([32, 32]), True)
    """
    node = network.graph.node(layer)
    if node.precursors != ("input",):
        raise EditError(f"layer {layer!r} does not read the input directly; the convolution view is for the first "
                        f"layer ({_first_convs(network)})")
    module = _module(network, node.module) if node.module else None
    if not isinstance(module, nn.Conv2d):
        raise EditError(f"layer {layer!r} ({node.kind}) is not a 2-D convolution")
    (c,) = checked_channels(node, [channel])
    snap = snapshot or network.snapshot
    x = snap.activations["input"][None].to(network.device, torch.float32)
    with torch.no_grad():
        w = module.weight[c:c + 1].float()
        convolved = F.conv2d(x, w, None, module.stride, module.padding, module.dilation)[0, 0]
        bias = float(module.bias[c]) if module.bias is not None else 0.0
        biased = convolved + bias
        bn = _folded_batch_norm(network, node)
        if bn is not None and bn.running_mean is not None and bn.running_var is not None:
            gamma = bn.weight[c] if bn.weight is not None else 1.0  # affine=False: no scale, no shift
            beta = bn.bias[c] if bn.bias is not None else 0.0
            biased = (biased - bn.running_mean[c]) * gamma / torch.sqrt(bn.running_var[c] + bn.eps) + beta
    output = snap.activations[layer][c].float()
    return ConvolutionSteps(layer, c, convolved.cpu(), biased.cpu(), output.cpu(), bias, bn is not None)


def _module(network: Network, path: str) -> nn.Module | None:
    return dict(network.model.named_modules()).get(path)


def _folded_batch_norm(network: Network, node: GraphNode) -> nn.BatchNorm2d | None:
    for op in node.folded:
        module = _module(network, op)
        if isinstance(module, nn.BatchNorm2d) and module.running_var is not None:
            return module
    return None


def _first_convs(network: Network) -> str:
    firsts = [n.id for n in network.graph if n.precursors == ("input",) and n.kind == "conv"]
    return ", ".join(firsts) if firsts else "this network has none"
