"""The ``>>>`` examples of ``layerwalk.probing`` run (those that build a ResNet18 are slow)."""

from __future__ import annotations

import doctest
import importlib

import pytest

FAST = ["layerwalk.probing.class_change", "layerwalk.capture.replay"]
SLOW = ["layerwalk.probing.ablation", "layerwalk.probing.activity_flow", "layerwalk.probing.feeders",
        "layerwalk.probing.occlusion", "layerwalk.probing.filters"]


@pytest.mark.parametrize("name", FAST + [pytest.param(n, marks=pytest.mark.slow) for n in SLOW])
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
