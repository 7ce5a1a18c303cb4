"""The ``>>>`` examples in the docstrings run, so they cannot rot (``layerwalk.data`` has its own test).

Examples that build a torchvision model or run feature visualization take tens of seconds on a busy CPU: slow.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["capture", "engine", "layout", "featurevis", "analysis", "train", "study"]
SLOW = {"layerwalk.engine.network", "layerwalk.featurevis.core", "layerwalk.capture.captured",
        "layerwalk.capture.graph", "layerwalk.analysis.receptive_field"}


def _modules_with_examples() -> list[str]:
    names = ["layerwalk.jobs"]
    for package in PACKAGES:
        path = importlib.import_module(f"layerwalk.{package}").__path__
        names += [m.name for m in pkgutil.iter_modules(path, f"layerwalk.{package}.")]
    finder = doctest.DocTestFinder()
    return [n for n in names if any(not e.options.get(doctest.SKIP) for t in finder.find(importlib.import_module(n))
                                    for e in t.examples)]


MODULES = _modules_with_examples()


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in MODULES])
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write files
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path / "cache"))
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_the_modules_the_issue_names_are_covered():
    assert {"layerwalk.jobs", "layerwalk.engine.network", "layerwalk.featurevis.core",
            "layerwalk.study.measures", "layerwalk.study.plan"} <= set(MODULES)
