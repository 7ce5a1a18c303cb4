"""The Lucid style: colour decorrelation round-trips, seeds are reproducible, and it is smoother than the paper's."""

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from layerwalk.engine import Network
from layerwalk.errors import LayerwalkError
from layerwalk.featurevis import featurevis
from layerwalk.featurevis.color import IMAGENET_SQRT, estimate_sqrt, from_rgb, normalized, to_rgb
from layerwalk.featurevis.lucid_transforms import LucidTransforms
from layerwalk.featurevis.quality import colourfulness, high_frequency_share


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.features = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, padding=1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


@pytest.fixture(scope="module")
def small():
    return Network(Small(), input_size=(3, 24, 24), mean=(0.5,) * 3, std=(0.25,) * 3)


def test_decorrelation_round_trips_and_the_estimate_squares_to_the_covariance():
    m = normalized(IMAGENET_SQRT)
    x = torch.randn(2, 3, 5, 7)
    assert torch.allclose(from_rgb(to_rgb(x, m), m), x, atol=1e-5)
    assert torch.allclose(to_rgb(x, m)[0, :, 1, 2], m @ x[0, :, 1, 2], atol=1e-6)
    rng = np.random.default_rng(0)
    mix = np.array([[1.0, 0.2, 0.0], [0.8, 0.5, 0.1], [0.6, 0.1, 0.4]])
    pixels = np.clip(0.5 + 0.15 * rng.standard_normal((64 * 64, 3)) @ mix.T, 0, 1)
    image = Image.fromarray((pixels.reshape(64, 64, 3) * 255).astype(np.uint8))
    sqrt = np.array(estimate_sqrt([image]))
    cov = np.cov(np.asarray(image, np.float64).reshape(-1, 3) / 255, rowvar=False)
    assert np.allclose(sqrt @ sqrt.T, cov, atol=1e-6)
    assert (sqrt[:, 0] > 0).all()        # first column: luminance, positive as in Lucid's matrix


def test_transforms_are_per_image_differentiable_and_identity_when_off():
    t = LucidTransforms()
    x = torch.rand(1, 3, 16, 20).repeat(3, 1, 1, 1).requires_grad_(True)   # three copies of one image
    gens = [torch.Generator().manual_seed(s) for s in (1, 2, 1)]
    out = t(x, gens)
    assert out.shape == (3, 3, 40, 44)
    assert torch.allclose(out[0], out[2]) and not torch.allclose(out[0], out[1])   # same seed → same draw
    out.sum().backward()
    assert x.grad.abs().sum() > 0
    off = LucidTransforms(jitter=1, scales=(1.0,), degrees=(0.0,), final_jitter=1)
    y = off(x.detach(), gens)
    assert torch.allclose(y[:, :, 12:-12, 12:-12], x.detach(), atol=1e-5)
    assert torch.allclose(y[:, :, :12], torch.full_like(y[:, :, :12], 0.5))          # grey padding


def test_same_seed_same_images_whatever_the_batch(small):
    a = featurevis(small, "features.2", "0-2", style="lucid", steps=12, seed=3, cache=False)
    b = featurevis(small, "features.2", "0-2", style="lucid", steps=12, seed=3, cache=False, batch_size=1)
    c = featurevis(small, "features.2", "0-2", style="lucid", steps=12, seed=4, cache=False)
    assert torch.allclose(a.tensors, b.tensors, atol=1e-4)   # batching changes only float rounding
    assert not torch.allclose(a.tensors, c.tensors, atol=1e-3)
    assert a.style == "lucid" and a.params.lr == 0.05 and (a.final_objective > a.start_objective).all()


def test_the_style_is_part_of_the_cache_key(small, tmp_path):
    from layerwalk.featurevis import FeatureVisCache

    cache = FeatureVisCache(tmp_path)
    paper = featurevis(small, "features.2", [1], steps=4, cache=cache, start="noise:0")
    lucid = featurevis(small, "features.2", [1], steps=4, cache=cache, style="lucid")
    again = featurevis(small, "features.2", [1], steps=4, cache=cache, style="lucid")
    assert paper.cached == 0 and lucid.cached == 0 and again.cached == 1
    assert torch.equal(lucid.tensors, again.tensors)


def test_dataset_colour_and_clear_errors(small):
    with pytest.raises(LayerwalkError, match="needs a network with a dataset"):
        featurevis(small, "features.2", [0], style="lucid", color="dataset", steps=1, cache=False)
    with pytest.raises(LayerwalkError, match="style must be one of"):
        featurevis(small, "features.2", [0], style="lucent", steps=1, cache=False)


def test_measures_tell_noise_from_smooth_and_grey_from_colour():
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    yy, xx = np.mgrid[0:64, 0:64]
    smooth = np.stack([128 + 100 * np.sin(xx / 10), 128 + 100 * np.cos(yy / 12), 0 * xx + 128], -1)
    smooth = Image.fromarray(smooth.astype(np.uint8))
    assert high_frequency_share(noise) > 0.6 > 0.01 > high_frequency_share(smooth)
    grey = Image.fromarray(np.repeat(rng.integers(0, 256, (64, 64, 1), dtype=np.uint8), 3, -1))
    assert colourfulness(grey) == pytest.approx(0.0) and colourfulness(smooth) > 50


@pytest.mark.slow
def test_lucid_style_has_less_high_frequency_power_than_the_paper_on_the_demo():
    net = Network.from_spec("demo")
    layer = "_blocks.1._project_conv.conv2d"   # no activation after it: every channel has a gradient from grey
    lucid = featurevis(net, layer, [3, 7], style="lucid", steps=30, cache=False)
    paper = featurevis(net, layer, [3, 7], start="noise:0", steps=30, cache=False)
    mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in (net.mean, net.std))

    def shares(result):
        pixels = (result.tensors * std + mean).clamp(0, 1).permute(0, 2, 3, 1).numpy()
        return [high_frequency_share(p) for p in pixels]
    hf_lucid, hf_paper = shares(lucid), shares(paper)
    assert np.mean(hf_lucid) < 0.6 * np.mean(hf_paper), (hf_lucid, hf_paper)
    assert (lucid.final_objective > lucid.start_objective).all()


def test_a_steeper_spectrum_decay_gives_smoother_images_and_is_part_of_the_params(small):
    from layerwalk.featurevis import FeatureVisParams

    def share(decay: float) -> float:
        r = featurevis(small, "features.2", [0, 1], style="lucid", steps=4, cache=False, decay=decay)
        pixels = (r.tensors * 0.25 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).numpy()
        return float(np.mean([high_frequency_share(p) for p in pixels]))

    assert share(1.6) < 0.7 * share(1.0)
    assert FeatureVisParams.for_style("lucid").decay > 1.0 == FeatureVisParams().decay   # tuned on the demo
