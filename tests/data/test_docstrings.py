"""The ``>>>`` examples in the data package's docstrings run, so they cannot rot."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import layerwalk.data

MODULES = sorted(m.name for m in pkgutil.iter_modules(layerwalk.data.__path__, "layerwalk.data."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
