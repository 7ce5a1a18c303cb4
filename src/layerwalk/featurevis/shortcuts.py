"""The exact shortcuts of feature visualization's forward pass, checked against the plain pass once per layer.

Both are ``TorchFunctionMode``s (thread-local; the model is never modified): ``channel_slice`` computes only each
image's own channel of the target layer, ``fold_batchnorm`` folds every BatchNorm before it into its conv. Each is
exact in real arithmetic; on the first use for a layer the result is compared with the plain forward pass, and a
shortcut that does not match (an unusual layer, a norm that mixes channels …) is simply not taken.
"""

from __future__ import annotations

import contextlib
import logging
import weakref

import torch

from layerwalk.featurevis.channel_slice import SliceTargetChannels
from layerwalk.featurevis.fold_batchnorm import FoldBatchNorm
from layerwalk.featurevis.fold_padding import FoldZeroPadding

log = logging.getLogger(__name__)

_verdicts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # captured model → {(target, ...): (slice, fold)}


class ForwardShortcuts:
    """The forward pass to ``target`` for a batch whose image ``i`` optimises channel ``channels[i]``.

    Args:
        captured: the network's ``CapturedModel``.
        target: the node whose channels are optimised.
        one_channel: allow computing only each image's own channel (the diversity term needs all of them).
    """

    def __init__(self, captured, target: str, one_channel: bool = True):
        self.captured, self.target = captured, target
        self.weight = captured.head_weight(target) if one_channel else None
        self.fold = FoldBatchNorm([(w, bn) for w, bn in captured.conv_norm_pairs(upto=target) if w is not self.weight])
        self.fold_padding = FoldZeroPadding()
        self.channels_last = _convs_upto(captured.graph, target) >= 3

    def run(self, x: torch.Tensor, channels: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """(output, sliced): the target's output, (N, 1, …) with each image's own channel if ``sliced``."""
        use_slice, use_fold = self._decide(x.detach(), channels)
        return self._run(x, channels, use_slice, use_fold), use_slice

    def _run(self, x, channels, use_slice: bool, use_fold: bool) -> torch.Tensor:
        with contextlib.ExitStack() as stack:
            if use_fold:
                stack.enter_context(self.fold)
                stack.enter_context(self.fold_padding)  # inner: the conv it rewrites then meets the BatchNorm fold
            if use_slice:
                stack.enter_context(SliceTargetChannels(self.weight, channels))
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            return self.captured.run(x, record={self.target}, stop_after=self.target)[self.target]

    def _decide(self, x, channels) -> tuple[bool, bool]:
        known = _verdicts.setdefault(self.captured, {})
        key = (self.target, self.weight is not None)
        if key not in known:
            known[key] = self._check(x[:2], channels[:2])
        return known[key]

    def _check(self, x, channels) -> tuple[bool, bool]:
        with torch.no_grad():
            plain = self._run(x, channels, False, False)
            want = plain[torch.arange(len(x)), channels]
            for use_slice, use_fold in ((True, True), (True, False), (False, True)):
                if use_slice and self.weight is None:
                    continue
                if self._matches(x, channels, use_slice, use_fold, plain, want):
                    return use_slice, use_fold
        log.info("feature visualization of %s runs the plain forward pass (no exact shortcut matched)", self.target)
        return False, False

    def _matches(self, x, channels, use_slice, use_fold, plain, want) -> bool:
        try:
            out = self._run(x, channels, use_slice, use_fold)
        except Exception as exc:  # a layer the shortcut does not understand
            log.info("feature visualization of %s: shortcut not taken (%s)", self.target, exc)
            return False
        got, ref = (out[:, 0], want) if use_slice else (out, plain)
        if got.shape != ref.shape:
            return False
        return bool(torch.allclose(got, ref, rtol=1e-3, atol=1e-4 * float(ref.abs().max()) + 1e-6))


def _convs_upto(graph, target: str) -> int:
    """How many convs run up to ``target``. Past a few, the pass runs in channels-last: oneDNN's convolutions and
    their backward take ≈ 1.4× less time on a 224² EfficientNet-Lite0 batch up to ``_blocks.3`` on this CPU (the
    model is left as it is; its outputs follow the input's layout); for a first conv on a 3-channel image the
    conversion costs more than it gains."""
    count = 0
    for node in graph.nodes:
        count += node.kind == "conv"
        if node.id == target:
            break
    return count
