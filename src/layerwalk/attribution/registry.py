"""Every attribution method by name."""

from __future__ import annotations

from layerwalk.attribution.base import AttributionMethod
from layerwalk.attribution.deconvnet import DeconvNet
from layerwalk.attribution.gradcam import GradCAM
from layerwalk.attribution.gradcam_plusplus import GradCAMPlusPlus
from layerwalk.attribution.gradient_shap import GradientShap
from layerwalk.attribution.guided_backprop import GuidedBackprop
from layerwalk.attribution.guided_gradcam import GuidedGradCAM
from layerwalk.attribution.hirescam import HiResCAM
from layerwalk.attribution.input_x_gradient import InputXGradient
from layerwalk.attribution.integrated_gradients import IntegratedGradients
from layerwalk.attribution.layercam import LayerCAM
from layerwalk.attribution.occlusion import Occlusion
from layerwalk.attribution.saliency import Saliency
from layerwalk.attribution.shapley_sampling import ShapleySampling
from layerwalk.attribution.smoothgrad import SmoothGrad
from layerwalk.errors import NotFoundError

METHODS: dict[str, type[AttributionMethod]] = {m.name: m for m in (
    GradCAM, GradCAMPlusPlus, LayerCAM, HiResCAM, Saliency, InputXGradient, IntegratedGradients, SmoothGrad,
    DeconvNet, GuidedBackprop, GuidedGradCAM, Occlusion, GradientShap, ShapleySampling)}
DEFAULT_METHOD = "gradcam"


def get_method(name: str) -> AttributionMethod:
    """The method called ``name``; NotFoundError naming the valid ones."""
    key = name.lower().replace("-", "_") if name.lower() not in METHODS else name.lower()
    if key not in METHODS:
        raise NotFoundError(f"unknown attribution method {name!r}; valid methods: {', '.join(METHODS)}")
    return METHODS[key]()


def method_infos() -> list[dict]:
    return [cls().info() for cls in METHODS.values()]
