"""The README's analysis example runs (and prints what its comments say)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.slow
def test_readme_analysis_example_runs(capsys):
    section = README.read_text().split("## Global analyses (ConvViz)", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "435 32 -217" and printed[1] == "(31, 31, 129, 129)"
    assert namespace["pca"].coords.shape == (64, 2)
    assert len(namespace["emb"].items) == 13 and len(namespace["focus"].filters) == 3
    assert all(f.boxes for f in namespace["focus"].filters)
