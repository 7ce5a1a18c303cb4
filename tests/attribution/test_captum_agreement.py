"""Agreement with Captum 0.9 and pytorch-grad-cam 1.5.7 in float64 on real torchvision architectures: every
target and every layer come from ONE call of ours; the anchors are looped per target and per layer."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from captum import attr as captum
from pytorch_grad_cam import GradCAM, GradCAMPlusPlus, HiResCAM, LayerCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from layerwalk.attribution import attribute
from layerwalk.attribution._pass import PassEngine
from layerwalk.attribution.base import AttributionContext
from layerwalk.attribution.gradient_shap import shap_at_points

from .conftest import assert_close_rel

RESNET_LAYERS = {"maxpool": lambda m: m.maxpool, "layer1.0.add": lambda m: m.layer1[0],
                 "layer3.0.downsample.0": lambda m: m.layer3[0].downsample, "layer4.1.add": lambda m: m.layer4[1]}
DENSENET_LAYERS = {"features.denseblock1.denselayer3.conv2": lambda m: m.features.denseblock1.denselayer3.conv2,
                   "features.transition2.pool": lambda m: m.features.transition2.pool}
TARGETS = [3, 200, 999]


def _no_inplace(model):
    """Captum's module hooks cannot take in-place ReLUs; its side runs on a copy with in-place off."""
    model = copy.deepcopy(model)
    for m in model.modules():
        if hasattr(m, "inplace"):
            m.inplace = False
    return model


@pytest.mark.parametrize(("method", "anchor", "kwargs"), [
    ("saliency", captum.Saliency, {}),
    ("inputxgradient", captum.InputXGradient, {}),
    ("deconvnet", captum.Deconvolution, {}),
    ("guided_backprop", captum.GuidedBackprop, {}),
])
def test_input_methods_match_captum(resnet18_net, x64, method, anchor, kwargs):
    ours = attribute(resnet18_net, method, TARGETS, layers=[], inputs=x64)
    model = _no_inplace(resnet18_net.model)
    for i, t in enumerate(TARGETS):
        assert_close_rel(ours.input_attribution[i:i + 1], anchor(model).attribute(x64, target=t, **kwargs))


# riemann_trapezoid is left out on purpose: Captum 0.9 weights its n points 1/n with halved ends (they sum to
# 1 − 1/n), ours are the textbook trapezoid weights 1/(n − 1) (they sum to 1, so completeness holds).
@pytest.mark.parametrize("rule", ["gausslegendre", "riemann_middle"])
def test_integrated_gradients_matches_captum(resnet18_net, x64, rule):
    ours = attribute(resnet18_net, "integrated_gradients", TARGETS[:2], layers=[], inputs=x64, steps=16, rule=rule)
    ig = captum.IntegratedGradients(resnet18_net.model)
    for i, t in enumerate(TARGETS[:2]):
        theirs, delta = ig.attribute(x64, target=t, n_steps=16, method=rule, return_convergence_delta=True)
        assert_close_rel(ours.input_attribution[i:i + 1], theirs)
        assert abs(float(ours.delta[i]) - float(delta)) <= 1e-6 * float(theirs.abs().sum())


def test_occlusion_matches_captum(resnet18_net, x64):
    ours = attribute(resnet18_net, "occlusion", TARGETS, inputs=x64, window=16, stride=8)
    occ = captum.Occlusion(resnet18_net.model)
    for i, t in enumerate(TARGETS):
        theirs = occ.attribute(x64, target=t, sliding_window_shapes=(3, 16, 16), strides=(3, 8, 8), baselines=0)
        assert_close_rel(ours.input_attribution[i:i + 1], theirs)


def test_layer_gradcam_matches_captum_at_every_layer(resnet18_net, x64):
    ours = attribute(resnet18_net, "gradcam", TARGETS, layers=list(RESNET_LAYERS), inputs=x64)
    assert ours.cost["passes"] == 1  # every layer × every target from one forward/backward
    model = _no_inplace(resnet18_net.model)
    for lid, module in RESNET_LAYERS.items():
        cam = captum.LayerGradCam(model, module(model))
        for i, t in enumerate(TARGETS):
            assert_close_rel(ours.maps[lid][i:i + 1], cam.attribute(x64, target=t)[:, 0])


def test_gradient_shap_matches_captum_on_its_draws(resnet18_net, x64):
    """Captum draws GradientShap's baselines and fractions from numpy's global generator (baseline indices, then
    fractions); the same draws through ours give its maps at every layer and the input, all from one walk."""
    baselines = torch.randn(3, *x64.shape[1:], generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    samples, seed = 5, 7
    model = _no_inplace(resnet18_net.model)

    def captum_shap(anchor, t):
        np.random.seed(seed)
        return anchor.attribute(x64, baselines=baselines, n_samples=samples, target=t)

    np.random.seed(seed)
    pick = torch.as_tensor(np.random.choice(len(baselines), samples))
    alpha = torch.as_tensor(np.random.uniform(0.0, 1.0, samples)).view(-1, 1, 1, 1)
    points = baselines[pick] + alpha * (x64 - baselines[pick])
    ctx = AttributionContext(PassEngine(resnet18_net), x64, torch.tensor(TARGETS), list(RESNET_LAYERS),
                             {"batch": 2})  # 2 points per forward: the walk spans 3 forwards
    ours = shap_at_points(ctx, baselines, pick, points)
    assert ctx.engine.passes == 1 + 3  # the endpoints, then each point forwarded once for every target
    for i, t in enumerate(TARGETS):
        assert_close_rel(ours.input_attribution[i:i + 1], captum_shap(captum.GradientShap(model), t))
        for lid, module in RESNET_LAYERS.items():
            assert_close_rel(ours.layer_maps[lid][i:i + 1],
                             captum_shap(captum.LayerGradientShap(model, module(model)), t))


GRAD_CAMS = {"gradcam": GradCAM, "gradcam++": GradCAMPlusPlus, "layercam": LayerCAM, "hirescam": HiResCAM}


def _pytorch_grad_cam(cls, model, layer, x, target) -> np.ndarray:
    """pytorch-grad-cam's raw per-layer map (its own hooks, weights and sum; before its ReLU and rescaling)."""
    cam = cls(model=model, target_layers=[layer])
    try:
        outputs = cam.activations_and_grads(x)
        targets = [ClassifierOutputTarget(target)]
        model.zero_grad()
        sum(tg(o) for tg, o in zip(targets, outputs)).backward()
        acts = cam.activations_and_grads.activations[0].cpu().numpy()
        grads = cam.activations_and_grads.gradients[0].cpu().numpy()
        return cam.get_cam_image(x, layer, targets, acts, grads, False)
    finally:
        cam.activations_and_grads.release()


@pytest.mark.parametrize("method", list(GRAD_CAMS))
def test_cam_family_matches_pytorch_grad_cam(resnet18_net, x64, method):
    layers = {lid: RESNET_LAYERS[lid] for lid in ("layer1.0.add", "layer4.1.add")}  # in-place block, last block
    ours = attribute(resnet18_net, method, TARGETS[:2], layers=list(layers), inputs=x64)
    model = _no_inplace(resnet18_net.model)
    for lid, module in layers.items():
        for i, t in enumerate(TARGETS[:2]):
            theirs = torch.from_numpy(_pytorch_grad_cam(GRAD_CAMS[method], model, module(model), x64, t))
            assert_close_rel(ours.maps[lid][i:i + 1], theirs)


@pytest.mark.slow
@pytest.mark.parametrize("method", list(GRAD_CAMS))
def test_cam_family_matches_pytorch_grad_cam_on_densenet(densenet121_net, x64, method):
    ours = attribute(densenet121_net, method, TARGETS[:2], layers=list(DENSENET_LAYERS), inputs=x64)
    model = _no_inplace(densenet121_net.model)
    for lid, module in DENSENET_LAYERS.items():
        for i, t in enumerate(TARGETS[:2]):
            theirs = torch.from_numpy(_pytorch_grad_cam(GRAD_CAMS[method], model, module(model), x64, t))
            assert_close_rel(ours.maps[lid][i:i + 1], theirs)


@pytest.mark.slow
def test_densenet_input_methods_and_gradcam_match_captum(densenet121_net, x64):
    model = densenet121_net.model
    for method, anchor in (("saliency", captum.Saliency), ("inputxgradient", captum.InputXGradient)):
        ours = attribute(densenet121_net, method, TARGETS[:2], layers=[], inputs=x64)
        for i, t in enumerate(TARGETS[:2]):
            assert_close_rel(ours.input_attribution[i:i + 1], anchor(model).attribute(x64, target=t))
    ours = attribute(densenet121_net, "gradcam", TARGETS[:2], layers=list(DENSENET_LAYERS), inputs=x64)
    for lid, module in DENSENET_LAYERS.items():
        for i, t in enumerate(TARGETS[:2]):
            theirs = captum.LayerGradCam(model, module(model)).attribute(x64, target=t)[:, 0]
            assert_close_rel(ours.maps[lid][i:i + 1], theirs)
    ours = attribute(densenet121_net, "integrated_gradients", TARGETS[:1], layers=[], inputs=x64, steps=8)
    theirs = captum.IntegratedGradients(model).attribute(x64, target=TARGETS[0], n_steps=8)
    assert_close_rel(ours.input_attribution, theirs)
