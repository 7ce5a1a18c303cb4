import io
import json
import threading
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import layerwalk
from layerwalk.engine import Network, export_layer


class Tiny(nn.Module):
    """Hand-set weights: conv doubles the (grey) input, relu, global average pool, fc = [sum, -sum]."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1, bias=False)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1, 2, bias=False)
        with torch.no_grad():
            self.conv.weight.fill_(2.0)
            self.fc.weight.copy_(torch.tensor([[1.0], [-1.0]]))

    def forward(self, x):
        return self.fc(self.pool(self.relu(self.conv(x))).flatten(1))


@pytest.fixture
def tiny():
    return Network(Tiny(), input_size=(1, 4, 4), mean=(0.0,), std=(1.0,), class_names=["bright", "dark"])


def test_set_input_records_every_layer_with_known_values(tiny):
    snap = tiny.set_input(Image.new("L", (4, 4), 128), source={"source": "test"})
    assert [n.id for n in tiny.graph] == ["input", "conv", "pool", "fc", "output"]
    v = 128 / 255
    assert torch.allclose(snap.activations["conv"], torch.full((1, 4, 4), 2 * v))
    assert torch.allclose(snap.activations["fc"], torch.tensor([2 * v, -2 * v]))
    top = snap.classification(2)
    assert top[0].name == "bright" and top[0].probability == pytest.approx(torch.sigmoid(torch.tensor(4 * v)).item())
    assert snap.version == 2 and snap.source["source"] == "test"   # version 1 was the initial noise


def test_images_of_any_size_and_mode_are_fitted(tiny):
    snap = tiny.set_input(Image.new("RGB", (40, 20), (255, 0, 0)))
    assert snap.input_image.size == (4, 4) and snap.input_image.mode == "L"
    assert "resized from 40×20 to 4×4" in snap.source["note"]


def test_weight_histogram_only_for_layers_with_weights(tiny):
    assert sum(tiny.weight_histogram("conv").counts) == 1 and tiny.weight_histogram("conv").edges[0] == 2.0
    assert tiny.weight_histogram("pool") is None and not tiny.has_weights("output")


class WrappedConv(nn.Module):
    """A conv kept as parameters of another name, applied with F.conv2d (as wrapped and quantisation-ready convs
    do): the node's module has no ``weight`` attribute."""

    def __init__(self):
        super().__init__()
        self.kernel = nn.Parameter(torch.full((2, 1, 1, 1), 3.0))
        self.bias = nn.Parameter(torch.zeros(2))
        self.pad = nn.ZeroPad2d(0)

    def forward(self, x):
        return nn.functional.conv2d(self.pad(x), self.kernel, self.bias)


class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = WrappedConv()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(self.block(x).mean((2, 3)))


def test_every_layer_with_parameters_has_a_weight_histogram():
    net = Network(Wrapper(), input_size=(1, 4, 4), mean=(0.0,), std=(1.0,))
    with_params = [n for n in net.graph if n.params]
    assert len(with_params) == 2 and all(net.has_weights(n.id) for n in with_params)
    block = next(n for n in with_params if n.module == "block")
    h = net.weight_histogram(block.id)
    assert sum(h.counts) == 2 and h.edges[0] == 3.0   # the kernel only, not the bias


def test_unknown_layer_is_a_not_found_error(tiny):
    with pytest.raises(layerwalk.errors.NotFoundError, match="no layer 'x'"):
        tiny.snapshot.encoded("x")


def test_export_zip(tiny):
    snap = tiny.set_input(Image.new("L", (4, 4), 255))
    data = export_layer(tiny, snap, "conv")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert {"meta.json", "activations.npy", "atlas.png", "channels/0000.png"} <= names
        meta = json.loads(zf.read("meta.json"))
        values = np.load(io.BytesIO(zf.read("activations.npy")))
        png = Image.open(io.BytesIO(zf.read("channels/0000.png")))
    assert meta["layer"]["id"] == "conv" and meta["version"] == snap.version
    assert np.allclose(values, 2.0) and png.size == (4, 4)
    assert png.getpixel((0, 0)) == (255, 255, 255)   # the layer maximum is white


def test_concurrent_inputs_never_mix(tiny):
    """Readers always see one input's values everywhere in a snapshot."""
    errors = []

    def writer(level):
        for _ in range(30):
            tiny.set_input(Image.new("L", (4, 4), level))

    def reader():
        for _ in range(200):
            s = tiny.snapshot
            if not torch.allclose(s.activations["conv"].mean() / 2, s.activations["input"].mean()):
                errors.append(s.version)
    threads = [threading.Thread(target=writer, args=(lv,)) for lv in (0, 100, 255)] + \
              [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert tiny.snapshot.version == 1 + 90


def test_demo_network_classifies_chelsea_as_a_cat():
    import skimage.data

    net = Network.from_spec("demo")
    snap = net.set_input(Image.fromarray(skimage.data.chelsea()))
    assert "cat" in snap.classification(1)[0].name or snap.classification(1)[0].name == "tabby"
    assert len(net.graph) > 60 and net.graph.node("output").shape == (1000,)
