"""The linters and type checkers are part of the test command: a violation fails the suite.

ruff's rules and mypy's strict file list live in pyproject.toml (``[tool.ruff]``, ``[tool.mypy]``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_no_violations():
    result = _run(str(BIN / "ruff"), "check", "--output-format", "concise", "src", "tests")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_mypy_strict_passes():
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_mypy_would_catch_a_type_error(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x: int) -> str:\n    return x\n")
    result = _run(sys.executable, "-m", "mypy", "--strict", str(bad))
    assert result.returncode != 0 and "Incompatible return value" in result.stdout
