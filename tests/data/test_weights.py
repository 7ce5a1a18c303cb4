"""Weights load without unpickling anything, and mismatches are reported key by key."""

from __future__ import annotations

import collections

import pytest
import torch
from safetensors.torch import save_file

from layerwalk.data import CovidResNet, load_model, read_state_dict
from layerwalk.errors import WeightsError


class Evil:
    """Stands for any custom class in a checkpoint: unpickling would import and run code."""

    def __reduce__(self):
        return (print, ("pwned",))


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(1)
    return CovidResNet(num_classes=3)


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: {"state_dict": s, "epoch": 3},
                                  lambda s: {"model": s}])
def test_pt_round_trip(tmp_path, trained, wrap):
    path = tmp_path / "w.pt"
    torch.save(wrap(trained.state_dict()), path)
    bundle = load_model("covidresnet", weights=path, num_classes=3)
    assert _same(bundle.model, trained) and "w.pt" in bundle.name


def test_safetensors_round_trip_whatever_the_file_name(tmp_path, trained):
    path = tmp_path / "weights.bin"  # recognised by content, not by suffix
    save_file({k: v.contiguous() for k, v in trained.state_dict().items()}, str(path))
    assert _same(load_model("covidresnet", weights=path, num_classes=3).model, trained)


def test_dataparallel_prefix_is_removed(tmp_path, trained):
    path = tmp_path / "dp.pth"
    torch.save(collections.OrderedDict(("module." + k, v) for k, v in trained.state_dict().items()), path)
    assert _same(load_model("covidresnet", weights=path, num_classes=3).model, trained)


def test_mismatch_names_missing_unexpected_and_misshaped_keys(tmp_path, trained):
    state = dict(trained.state_dict())
    del state["layer4.0.bn2.bias"]
    state["extra.weight"] = torch.zeros(1)
    path = tmp_path / "w.pt"
    torch.save(state, path)
    with pytest.raises(WeightsError) as err:
        load_model("covidresnet", weights=path, num_classes=2)  # the file has 3 classes
    text = err.value.detail
    assert "1 missing keys" in text and "layer4.0.bn2.bias" in text
    assert "1 unexpected keys" in text and "extra.weight" in text
    assert "fc.weight: file (3, 512) ≠ model (2, 512)" in text and "fc.bias: file (3) ≠ model (2)" in text
    assert "num_classes" in text


def test_long_key_lists_are_truncated(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({f"x{i}": torch.zeros(1) for i in range(30)}, path)
    with pytest.raises(WeightsError) as err:
        load_model("covidresnet", weights=path)
    assert "30 unexpected keys" in err.value.detail and "… and 22 more" in err.value.detail


def test_pickled_objects_are_refused(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "hook": Evil()}, path)
    with pytest.raises(WeightsError) as err:
        read_state_dict(path)
    assert "pickled" in err.value.detail and "state_dict()" in err.value.detail
    assert "pwned" not in capsys.readouterr().out


def test_whole_pickled_model_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(CovidResNet(), path)
    with pytest.raises(WeightsError, match="pickled"):
        load_model("covidresnet", weights=path)


@pytest.mark.parametrize("content, words", [
    (b"hello, not weights", ["neither", "safetensors"]),
    (None, ["does not exist"]),
])
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "w.pt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(WeightsError) as err:
        read_state_dict(path)
    assert all(w in err.value.detail for w in words)


def test_dict_without_tensors_is_explained(tmp_path):
    path = tmp_path / "meta.pt"
    torch.save({"epoch": 3, "lr": 0.1}, path)
    with pytest.raises(WeightsError, match="no state dict.*'epoch'"):
        read_state_dict(path)
