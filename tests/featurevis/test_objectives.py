"""The objective algebra: terms compose linearly, the text and JSON forms round-trip, evaluation is hand-checkable."""

import pytest
import torch
from torch import nn

from layerwalk.engine import Network
from layerwalk.errors import LayerwalkError, NotFoundError
from layerwalk.featurevis import featurevis
from layerwalk.featurevis.objective_eval import BoundObjective
from layerwalk.featurevis.objectives import Objective, channel, class_logit, direction, diversity, l2, neuron, parse, tv


class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.act = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.pool(self.act(self.conv(x))).flatten(1))


@pytest.fixture(scope="module")
def net():
    return Network(TwoLayers(), input_size=(3, 12, 12), mean=(0.5,) * 3, std=(0.25,) * 3)


def _by_hand(net, x):
    """Conv output and 0…1 pixels of normalised images ``x``, computed without layerwalk."""
    feats = torch.relu(net.model.conv(x))   # the graph node "conv" is conv → ReLU
    pixels = x * 0.25 + 0.5
    tv_ = ((pixels[..., 1:, :] - pixels[..., :-1, :]).abs().flatten(1).mean(1)
           + (pixels[..., :, 1:] - pixels[..., :, :-1]).abs().flatten(1).mean(1))
    return feats, pixels, tv_


def test_channel_minus_tenth_tv_equals_the_hand_computed_value(net):
    x = torch.randn(3, 3, 12, 12)
    chans = [2, 0, 3]
    got, _ = BoundObjective(net, channel() - 0.1 * tv(), "conv")(x, chans)
    feats, _, tv_ = _by_hand(net, x)
    want = feats[torch.arange(3), chans].mean((1, 2)) - 0.1 * tv_
    assert torch.allclose(got, want, atol=1e-5)


def test_terms_evaluate_as_defined(net):
    x = torch.randn(2, 3, 12, 12)
    feats, pixels, _ = _by_hand(net, x)
    v = [0.5, -1.0, 2.0, 0.0]
    got, _ = BoundObjective(net, 2 * neuron("conv", 1, 3, 4) + direction(v, "conv") - l2(0.5), "conv")(x, [0, 0])
    dirn = (feats * torch.tensor(v).view(1, -1, 1, 1)).sum(1).mean((1, 2))
    rms = (pixels - 0.5).pow(2).flatten(1).mean(1).sqrt()
    assert torch.allclose(got, 2 * feats[:, 1, 3, 4] + dirn - rms, atol=1e-5)
    logits, _ = BoundObjective(net, class_logit(2) + channel("conv", 3), "conv")(x, [0, 1])
    want = net.model(x)[:, 2] + feats[:, 3].mean((1, 2))
    assert torch.allclose(logits, want, atol=1e-5)


def test_diversity_is_minus_the_gram_similarity_within_each_group(net):
    x = torch.randn(4, 3, 12, 12)
    value, _ = BoundObjective(net, diversity("conv"), "conv", group=2)(x, [0, 0, 1, 1])
    assert value.shape == (4,) and (value <= 0).all() and (value >= -1).all()
    assert torch.allclose(value[0], value[1]) and torch.allclose(value[2], value[3])
    same, _ = BoundObjective(net, diversity("conv"), "conv", group=2)(x[:1].repeat(2, 1, 1, 1), [0, 0])
    assert torch.allclose(same, torch.tensor([-1.0, -1.0]), atol=1e-5)   # identical images: cosine 1


def test_algebra_is_linear_and_prints_and_parses_back():
    a = channel() - 0.1 * tv()
    assert a == parse("channel - 0.1*tv") == parse("channel() - tv() * 0.1")
    assert a + a == 2 * a and a - a == Objective() and (-a) * -1 == a and sum([a, a]) == 2 * a
    assert str(a) == "channel() - 0.1*tv()"
    for obj in (a, class_logit(285) + 0.5 * neuron("_blocks.3", 4, 1, 2), direction([1, 2]) - 2 * l2(0.4),
                -diversity("x")):
        assert parse(str(obj)) == obj
        assert Objective.from_json(obj.to_json()) == obj
    assert a.to_json() == [{"term": "channel", "weight": 1.0}, {"term": "tv", "weight": -0.1}]


@pytest.mark.parametrize("text, words", [
    ("channel * tv", "scaled by numbers"), ("__import__('os')", "not allowed"), ("chanel", "not allowed"),
    ("channel +", "not a valid expression"), ("3", "a number"), ("channel + 1", "numbers may only scale"),
    ("neuron(bogus=1)", "bogus"), ("direction", "vector")])
def test_bad_text_is_a_clear_error(text, words):
    with pytest.raises(LayerwalkError, match=words):
        parse(text)


def test_bad_terms_against_the_network_are_clear_errors(net):
    with pytest.raises(NotFoundError, match="channels 0…3"):
        featurevis(net, "conv", [0], objective=channel("conv", 9), steps=1, cache=False)
    with pytest.raises(LayerwalkError, match="one weight per channel"):
        featurevis(net, "conv", [0], objective=direction([1, 2]), steps=1, cache=False)
    with pytest.raises(LayerwalkError, match="no network term"):
        featurevis(net, "conv", [0], objective=-tv(), steps=1, cache=False)
    with pytest.raises(LayerwalkError, match="unknown objective term"):
        Objective.from_json([{"term": "nope"}])


def test_featurevis_maximises_the_composed_objective_and_reports_it(net):
    r = featurevis(net, "conv", [0, 1], objective="channel - 0.1*tv", steps=15, start="noise:2", cache=False)
    assert r.objective == "channel() - 0.1*tv()" and r.style == "paper"
    assert (r.final_objective > r.start_objective).all()
    plain = featurevis(net, "conv", [0, 1], steps=15, start="noise:2", cache=False)
    assert not torch.allclose(plain.tensors, r.tensors)     # the penalty changed the images
