"""The README's Python examples run, so they cannot rot.

Every ```python block preceded by ``<!-- runnable -->`` is executed as written (with ``import torch, layerwalk`` and
``from torch import nn`` in scope); the Python API overview is run below with shorter settings and checked.
"""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks(section: str) -> list[str]:
    text = README.read_text()
    part = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", part, re.S)


@pytest.mark.slow
def test_python_api_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path / "cache"))
    code = _python_blocks("Python API")[0]
    code = code.replace("steps=200", "steps=3")            # the same call, shorter
    code = code.replace("layerwalk.show(url)", "")          # needs Jupyter; serve() below still runs
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert (tmp_path / "fc.zip").stat().st_size > 0 and (tmp_path / "channel0.png").exists()
    top = namespace["snap"].classification(1)[0].name
    assert "cat" in top or top == "tabby"
    import httpx

    import layerwalk

    try:
        assert httpx.get(namespace["url"].split("?")[0].rstrip("/") + "/api/networks").status_code == 200
    finally:
        layerwalk.stop()


def runnable_blocks() -> list[tuple[int, str]]:
    """(line, code) of every ```python block marked ``<!-- runnable -->``."""
    text = README.read_text()
    return [(text[:m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"<!-- runnable -->\n```python\n(.*?)```", text, re.S)]


def test_some_blocks_are_marked_runnable():
    assert len(runnable_blocks()) >= 2


@pytest.mark.slow
@pytest.mark.parametrize(("line", "code"), runnable_blocks(), ids=[f"line{n}" for n, _ in runnable_blocks()])
def test_runnable_block(line, code, tmp_path, monkeypatch):
    import torch
    from torch import nn

    import layerwalk

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path / "cache"))
    exec(compile("\n" * (line - 1) + code, "README.md", "exec"), {"torch": torch, "nn": nn, "layerwalk": layerwalk})


def test_tracker_example_runs():
    import torch
    from torch import nn

    import layerwalk

    namespace = {"nn": nn, "layerwalk": layerwalk}
    exec(_python_blocks("Python API")[1], namespace)
    graph = layerwalk.capture(namespace["Net"](), torch.zeros(1, 3, 16, 16))
    assert [n.kind for n in graph] == ["input", "marker", "tracker", "tracker", "output"]
    assert graph.node("t_pool").precursors == ("t_conv",)
