"""Options shared by the whole suite."""

from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true",
                     help="rewrite tests/capture/golden/*.json from the current capture (review the diff: node ids "
                          "are part of the URL contract)")
