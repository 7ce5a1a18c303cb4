"""Feature visualization behaves as gradient ascent should, on a small CNN and on the demo model."""


import numpy as np
import pytest
import torch
from torch import nn

from layerwalk.engine import Network
from layerwalk.errors import LayerwalkError, NotFoundError
from layerwalk.featurevis import Cancelled, FeatureVisCache, featurevis, parse_channels


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


@pytest.fixture(scope="module")
def small():
    return Network(SmallCNN(), input_size=(3, 32, 32), mean=(0.5,) * 3, std=(0.25,) * 3)


def _selectivity(network, result):
    """Activation matrix: rows = result images, columns = channels."""
    with torch.no_grad():
        out = network.captured.run(result.tensors, record={result.target}, stop_after=result.target)[result.target]
    m = out.reshape(out.shape[0], out.shape[1], -1).mean(-1)[:, result.channels].numpy()
    return m


def test_objective_rises_and_each_image_prefers_its_own_channel(small):
    result = featurevis(small, "features.3", steps=40, start="noise:1", cache=False)
    assert result.history.shape == (40, 16)
    assert (result.final_objective > result.start_objective).all()
    ratio = np.median(result.final_objective / np.maximum(result.start_objective, 1e-3))
    assert ratio > 2, ratio
    m = _selectivity(small, result)
    own = np.diag(m)
    others = (m.sum(0) - own) / (len(own) - 1)   # other channels' images, on this channel
    assert (own > others).mean() >= 0.9


def test_class_neurons_use_logits(small):
    result = featurevis(small, "output", channels=[0, 3], steps=30, cache=False)
    assert result.target == "fc" and result.channels == [0, 3]
    assert (result.history[-1] > result.history[0]).all()


def test_same_seed_same_images_other_seed_other_images(small):
    a = featurevis(small, "features.0", channels="0-2", steps=15, cache=False, seed=5)
    b = featurevis(small, "features.0", channels="0-2", steps=15, cache=False, seed=5, batch_size=1)
    c = featurevis(small, "features.0", channels="0-2", steps=15, cache=False, seed=6)
    assert torch.allclose(a.tensors, b.tensors, atol=1e-4)   # batching does not change results
    assert not torch.allclose(a.tensors, c.tensors)


def test_cache_makes_repeats_instant_and_cancel_leaves_nothing_half_written(small, tmp_path):
    cache = FeatureVisCache(tmp_path)
    first = featurevis(small, "features.3", channels="0-5", steps=10, cache=cache, batch_size=2)
    again = featurevis(small, "features.3", channels="0-5", steps=10, cache=cache, batch_size=2)
    assert first.cached == 0 and again.cached == 6
    assert torch.equal(first.tensors, again.tensors)
    steps = []

    def stop():
        steps.append(1)
        return len(steps) >= 15   # within the second batch
    with pytest.raises(Cancelled):
        featurevis(small, "features.3", channels="8-13", steps=10, cache=cache, batch_size=2, should_stop=stop)
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert not [f for f in files if f.suffix == ".tmp"]
    assert len(files) == 6 + 2                 # the first batch of the cancelled run completed, nothing else
    assert len(steps) == 15                    # stopped right after the step that asked


def test_improvements_beyond_the_paper_run(small):
    fourier = featurevis(small, "features.3", channels=[1], steps=20, cache=False, parameterization="fourier")
    relu = featurevis(small, "features.3", channels=[1], steps=20, cache=False, relu_override=True)
    diverse = featurevis(small, "features.3", channels=[1], steps=20, cache=False, images_per_channel=3,
                         diversity=1.0)
    for r in (fourier, relu, diverse):
        assert r.history[-1, 0] > r.history[0, 0]   # the objective rises over the steps
    # Fourier starts from a faint copy of the start image (as Lucid from faint noise), so compare with its own start
    assert relu.final_objective[0] > relu.start_objective[0] and diverse.final_objective[0] > diverse.start_objective[0]


def test_bad_arguments_are_clear(small):
    with pytest.raises(NotFoundError, match="no layer"):
        featurevis(small, "nope")
    with pytest.raises(NotFoundError, match="channels 0…7"):
        featurevis(small, "features.0", channels=[8])
    with pytest.raises(LayerwalkError, match="no channels"):
        featurevis(small, "input")
    assert parse_channels("0-2,5", 8) == [0, 1, 2, 5]


def test_demo_first_layer_channels():
    net = Network.from_spec("demo")
    result = featurevis(net, "_conv_stem.conv2d", channels="0-3", steps=20, start="noise:0", cache=False)
    assert (result.final_objective > result.start_objective).all()
    assert result.images[0].size == (224, 224)


@pytest.mark.slow
def test_demo_class_neuron_images_are_classified_as_their_class(tmp_path):
    """The paper's check: feed a class visualization back in — the model should see its class."""
    from layerwalk.data import load_dataset

    net = Network.from_spec("demo", dataset=load_dataset("photos"))
    classes = [1, 949]  # goldfish, strawberry
    result = featurevis(net, "output", classes, start="noise:0", steps=60, cache=False)
    seen = [net.set_input(img).classification(1)[0].index for img in result.images]
    assert seen == classes


def test_batch_size_stays_within_its_memory_budget(small):
    """Large activations → several even passes under the 1 GiB CPU budget; small ones → one pass."""
    from layerwalk.featurevis.core import auto_batch_size

    assert auto_batch_size(small, "features.3", 40) == 40
    big = Network(SmallCNN(), input_size=(3, 512, 512), mean=(0.5,) * 3, std=(0.25,) * 3)
    upto = [n.id for n in big.graph].index("features.3") + 1   # input, conv, pool, conv: 4.46 M values per image
    per_image_bytes = 24 * sum(int(np.prod(n.shape)) for n in list(big.graph)[:upto])
    bs = auto_batch_size(big, "features.3", 40)
    passes = -(-40 // bs)
    assert 1 < bs < 40 and bs * per_image_bytes <= 1.2 * (1 << 30)
    assert bs * passes - 40 < passes   # evenly split: no nearly empty last pass
