"""The model sources researchers bring: ``timm:NAME`` and ONNX files (``onnx:PATH`` / ``PATH.onnx``), captured and
shown like any model; bad input is one clear message. And ``layerwalk graph … | head`` ends quietly."""

import subprocess
import sys
import warnings

import pytest
import torch
import torchvision

from layerwalk.capture import capture_model
from layerwalk.data import load_model
from layerwalk.errors import SpecError


def _export(model, path, size):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.randn(1, 3, size, size),), str(path), dynamo=False,
                          opset_version=17, input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """torchvision models exported by torch.onnx in the test: (torch model, ONNX path)."""
    out = {}
    for name in ("resnet18", "mobilenet_v3_small"):
        torch.manual_seed(0)
        model = torchvision.models.get_model(name, weights=None, num_classes=10).eval()
        path = tmp_path_factory.mktemp("onnx") / f"{name}.onnx"
        _export(model, path, 64)
        out[name] = model, path
    return out


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small"])
def test_onnx_round_trip_computes_what_the_torch_model_computes(exported, name):
    model, path = exported[name]
    bundle = load_model(f"onnx:{path}")
    assert bundle.input_size == (3, 64, 64) and bundle.name == f"{name} (ONNX)"
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        assert torch.allclose(bundle.model(x), expected, atol=1e-4)
    cm = capture_model(bundle.model, torch.zeros(1, *bundle.input_size))
    with torch.no_grad():
        out = cm.run(x)
    assert torch.allclose(out["output"], torch.softmax(expected, 1), atol=1e-5)
    convs = [n for n in cm.graph if n.kind == "conv"]
    assert len(convs) == sum(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    assert all(n.shape[1] == n.shape[2] for n in convs)                    # (C, H, W) of a square input
    assert cm.graph.total_params == sum(p.numel() for p in model.parameters() if p.dim() > 1) + \
        sum(p.numel() for p in model.parameters() if p.dim() == 1) - _folded_bn_params(model)
    assert all("/" not in n.id for n in cm.graph)                           # ids go into URLs


def _folded_bn_params(model):
    """torch.onnx folds each BatchNorm into its conv: its weight and bias become the conv's bias."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    convs_without_bias = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.bias is None]
    return sum(2 * m.num_features for m in bns) - sum(m.out_channels for m in convs_without_bias)


def test_a_path_ending_in_onnx_is_a_spec_too(exported):
    _, path = exported["resnet18"]
    assert load_model(str(path)).input_size == (3, 64, 64)


def test_bad_onnx_input_is_one_clear_message(tmp_path, exported):
    with pytest.raises(SpecError, match="does not exist"):
        load_model(f"onnx:{tmp_path / 'missing.onnx'}")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a protobuf at all")
    with pytest.raises(SpecError, match="not a valid ONNX model"):
        load_model(str(junk))
    with pytest.raises(SpecError, match="carries its own weights"):
        load_model(f"onnx:{exported['resnet18'][1]}", weights=junk)
    with pytest.raises(SpecError, match="1 channels"):
        load_model(f"onnx:{exported['resnet18'][1]}", in_channels=1)


def test_timm_spec_builds_with_timms_preprocessing_and_options():
    bundle = load_model("timm:resnet18", num_classes=7, in_channels=1)
    assert bundle.input_size == (1, 224, 224) and len(bundle.mean) == 1
    assert bundle.model(torch.zeros(1, 1, 64, 64)).shape == (1, 7)
    vit = load_model("timm:vit_tiny_patch16_224")
    assert vit.input_size == (3, 224, 224) and vit.mean == (0.5, 0.5, 0.5)   # timm's config, not ImageNet's
    assert "random init" in vit.name and len(vit.class_names) == 1000


def test_unknown_timm_model_names_close_matches():
    with pytest.raises(SpecError, match="did you mean resnet50"):
        load_model("timm:resnet5O")


def test_graph_piped_into_head_ends_quietly():
    # ~200 kB of JSON: more than a pipe holds, so the writer meets the closed pipe
    proc = subprocess.run(f"{sys.executable} -m layerwalk.cli graph torchvision:densenet121 --input-size 3,64,64 "
                          "--detail ops --json | head -2", shell=True, capture_output=True, text=True, timeout=300)
    assert len(proc.stdout.splitlines()) == 2
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
