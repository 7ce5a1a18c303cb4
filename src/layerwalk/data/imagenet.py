"""ImageNet constants: the usual normalisation and the 1000 class names (from torchvision, no download)."""

from __future__ import annotations

from functools import cache

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "imagenet_class_names"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@cache
def _categories() -> tuple[str, ...]:
    from torchvision.models import ResNet50_Weights  # metadata only: nothing is downloaded

    return tuple(ResNet50_Weights.IMAGENET1K_V2.meta["categories"])


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class names in index order.

    Returns:
        A fresh list (callers may modify it).

    >>> imagenet_class_names()[281]
    'tabby'
    """
    return list(_categories())
