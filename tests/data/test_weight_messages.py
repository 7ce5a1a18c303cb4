"""Weight-loading messages: one clean line from torch (no ANSI colour codes), never torch's advice to load with
``weights_only=False`` (which would run the file's code), and a directory is named as such."""

from __future__ import annotations

import os
import re

import pytest
import torch

from layerwalk.data.weights import read_state_dict
from layerwalk.errors import WeightsError

ANSI = re.compile(r"\x1b\[")


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def _bad_files(tmp_path):
    torch.save({"a": _Payload()}, tmp_path / "evil.pt")
    torch.save(torch.nn.Linear(2, 2), tmp_path / "whole_model.pt")
    (tmp_path / "garbage.pt").write_bytes(os.urandom(4096))
    (tmp_path / "text.pth").write_text("not weights")
    (tmp_path / "empty.pt").write_bytes(b"")
    return sorted(tmp_path.iterdir())


def test_no_ansi_codes_and_no_weights_only_false_advice(tmp_path):
    for path in _bad_files(tmp_path):
        with pytest.raises(WeightsError) as info:
            read_state_dict(path)
        message = info.value.detail
        assert not ANSI.search(message), message
        assert "weights_only" not in message and "trust" not in message, message
        assert path.name in message


def test_pickled_objects_are_named(tmp_path):
    _bad_files(tmp_path)
    with pytest.raises(WeightsError, match=r"pickled Python objects \(here torch\.nn\.modules\.linear\.Linear\)"):
        read_state_dict(tmp_path / "whole_model.pt")


def test_a_directory_is_not_reported_missing(tmp_path):
    (tmp_path / "best.safetensors").write_bytes(b"")
    with pytest.raises(WeightsError) as info:
        read_state_dict(tmp_path)
    assert "is a directory" in info.value.detail and "does not exist" not in info.value.detail
    assert "best.safetensors" in info.value.detail
