"""load_model: the demo network classifies real photos, torchvision and user specs, clear errors."""

from __future__ import annotations

import textwrap

import pytest
import torch

from layerwalk.data import MODEL_SPECS, load_dataset, load_model
from layerwalk.errors import SpecError

CATS = {"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat", "lynx"}
COFFEE = {"espresso", "cup", "coffee mug", "eggnog", "cappuccino"}


def test_demo_bundle_describes_efficientnet_lite0(demo_bundle):
    assert demo_bundle.name == "EfficientNet-Lite0 (ImageNet)"
    assert demo_bundle.input_size == (3, 224, 224)
    assert demo_bundle.mean == pytest.approx((127 / 255,) * 3) and demo_bundle.std == pytest.approx((128 / 255,) * 3)
    assert len(demo_bundle.class_names) == 1000 and demo_bundle.class_names[281] == "tabby"
    assert not demo_bundle.model.training
    assert sum(p.numel() for p in demo_bundle.model.parameters()) == 4_652_008


def test_demo_sees_the_cat_and_the_coffee(demo_bundle, classify):
    photos = load_dataset("photos")
    cat, p_cat = classify(demo_bundle, photos.image(photos.class_names.index("chelsea")))
    coffee, p_coffee = classify(demo_bundle, photos.image(photos.class_names.index("coffee")))
    assert cat in CATS and p_cat > 0.3
    assert coffee in COFFEE and p_coffee > 0.5


def test_demo_with_new_head_keeps_pretrained_features(demo_bundle):
    bundle = load_model("demo", num_classes=7)
    assert bundle.model(torch.zeros(1, 3, 224, 224)).shape == (1, 7)
    assert bundle.class_names is None and "new classifier" in bundle.name
    assert torch.equal(bundle.model._conv_stem.weight, demo_bundle.model._conv_stem.weight)
    gray = load_model("demo", in_channels=1)
    assert gray.input_size == (1, 224, 224) and gray.mean is None and len(gray.class_names) == 1000
    assert gray.model(torch.zeros(1, 1, 224, 224)).shape == (1, 1000)


def test_torchvision_model_is_random_init_and_imagenet_shaped():
    bundle = load_model("torchvision:resnet18")
    assert "random init" in bundle.name
    assert bundle.input_size == (3, 224, 224) and len(bundle.class_names) == 1000
    assert bundle.mean == (0.485, 0.456, 0.406)
    small = load_model("torchvision:squeezenet1_1", num_classes=3)
    assert small.class_names is None and small.mean is None
    assert small.model(torch.zeros(1, 3, 224, 224)).shape == (1, 3)


@pytest.mark.parametrize("name", ["resnet18", "squeezenet1_1", "mobilenet_v3_small", "vit_b_32",
                                  "googlenet"])
def test_torchvision_models_take_grayscale(name):
    bundle = load_model(f"torchvision:{name}", num_classes=10, in_channels=1)
    assert bundle.input_size[0] == 1 and bundle.mean is None
    with torch.no_grad():
        assert bundle.model(torch.zeros(1, *bundle.input_size)).shape == (1, 10)


def test_torchvision_weights_already_in_the_hub_cache_are_used(tmp_path, monkeypatch):
    import torchvision.models as tvm

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    cached = tvm.squeezenet1_1()
    (tmp_path / "checkpoints").mkdir()
    torch.save(cached.state_dict(), tmp_path / "checkpoints" / tvm.SqueezeNet1_1_Weights.DEFAULT.url.split("/")[-1])
    bundle = load_model("torchvision:SqueezeNet1_1")
    assert "ImageNet weights from the torch hub cache" in bundle.name
    assert torch.equal(bundle.model.features[0].weight, cached.features[0].weight)


def test_torchvision_unknown_name_suggests_close_matches():
    with pytest.raises(SpecError) as err:
        load_model("torchvision:resnet19")
    assert "resnet18" in err.value.detail and "list_models" in err.value.detail


def test_unknown_spec_lists_the_valid_forms():
    with pytest.raises(SpecError) as err:
        load_model("lenet")
    assert all(form in err.value.detail for form in MODEL_SPECS)


def test_bad_options_are_refused():
    with pytest.raises(SpecError, match="num_classes must be a positive integer"):
        load_model("covidresnet", num_classes=0)


def test_user_file_factory_with_metadata(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(textwrap.dedent("""
        from torch import nn
        CLASS_NAMES = ["a", "b", "c"]
        class Tiny(nn.Module):
            input_size = (1, 8, 8)
            def __init__(self, num_classes=3):
                super().__init__()
                self.conv = nn.Conv2d(1, 4, 3)
                self.fc = nn.Linear(4, num_classes)
            def forward(self, x):
                return self.fc(self.conv(x).mean((2, 3)))
        def build(num_classes=3):
            return Tiny(num_classes)
    """))
    bundle = load_model(f"{path}:build")
    assert bundle.input_size == (1, 8, 8) and bundle.class_names == ["a", "b", "c"]
    assert bundle.mean is None and not bundle.model.training
    assert load_model(f"{path}:Tiny", num_classes=5).model(torch.zeros(1, 1, 8, 8)).shape == (1, 5)


def test_module_factory():
    bundle = load_model("torchvision.models:alexnet", num_classes=4)
    assert bundle.model.classifier[-1].out_features == 4
    assert bundle.input_size == (3, 224, 224)


@pytest.mark.parametrize("spec, words", [
    ("no/such/file.py:build", ["does not exist"]),
    ("no_such_module_xyz:build", ["cannot import", "no_such_module_xyz"]),
    ("torch.nn:NoSuchThing", ["no callable", "NoSuchThing"]),
    ("math:sqrt", ["sqrt"]),
])
def test_user_spec_errors(spec, words):
    with pytest.raises(SpecError) as err:
        load_model(spec)
    assert all(w in err.value.detail for w in words)


def test_factory_rejecting_options_is_explained(tmp_path):
    path = tmp_path / "plain.py"
    path.write_text("from torch import nn\ndef build():\n    return nn.Linear(2, 2)\n")
    with pytest.raises(SpecError, match="does not accept num_classes"):
        load_model(f"{path}:build", num_classes=3)
