"""Weights decide the number of classes and input channels when the caller leaves them open."""

from safetensors.torch import save_file

from layerwalk.data import CovidResNet, load_model
from layerwalk.engine import Network


def test_covidresnet_weights_for_fashion_mnist_load_without_options(tmp_path):
    trained = CovidResNet(num_classes=10, in_channels=1)
    path = tmp_path / "fmnist.safetensors"
    save_file({k: v.contiguous() for k, v in trained.state_dict().items()}, str(path))
    bundle = load_model("covidresnet", weights=path)
    assert bundle.model.fc.out_features == 10 and bundle.model.conv1.in_channels == 1
    assert bundle.input_size[0] == 1
    net = Network.from_spec("covidresnet", weights=path, dataset="fashion-mnist")
    assert net.graph.node("output").shape == (10,) and net.class_names[0] == "T-shirt/top"
