"""One settings class, three sources: CLI flags win over LAYERWALK_* variables, which win over the TOML file."""

from __future__ import annotations

import pytest

from layerwalk.api import Settings
from layerwalk.cli import build_parser
from layerwalk.errors import SpecError
from layerwalk.server import settings_from_args

TOML = """
host = "127.0.0.1"
port = 6001
detail = "ops"
datasets = ["photos", "fashion-mnist"]
allowed_hosts = ["vr.example.org"]

[[networks]]
model = "covidresnet"
weights = "runs/a.safetensors"
dataset = 1            # an index into datasets, or a spec

[[networks]]
model = "torchvision:resnet18"
"""


def _settings(*argv: str) -> Settings:
    return settings_from_args(build_parser().parse_args(["serve", *argv]))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("LAYERWALK_CONFIG", "LAYERWALK_PORT", "LAYERWALK_HOST", "LAYERWALK_DATASETS", "LAYERWALK_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_demo():
    s = _settings()
    assert [n.model for n in s.networks] == ["demo"] and s.datasets == ["photos"]
    assert (s.host, s.port, s.token) == ("127.0.0.1", 5570, None)


def test_flags_over_environment_over_toml(tmp_path, monkeypatch):
    config = tmp_path / "layerwalk.toml"
    config.write_text(TOML)
    s = _settings("--config", str(config))
    assert (s.port, s.detail, s.allowed_hosts) == (6001, "ops", ["vr.example.org"])
    assert [(n.model, n.weights, n.dataset) for n in s.networks] == [
        ("covidresnet", "runs/a.safetensors", "fashion-mnist"), ("torchvision:resnet18", None, None)]
    monkeypatch.setenv("LAYERWALK_PORT", "6002")
    monkeypatch.setenv("LAYERWALK_DATASETS", '["photos"]')
    monkeypatch.setenv("LAYERWALK_NETWORKS", '[{"model": "demo"}]')
    assert _settings("--config", str(config)).port == 6002
    monkeypatch.setenv("LAYERWALK_CONFIG", str(config))  # the file named by the environment
    s = _settings("--port", "6003", "--model", "covidresnet", "--weights", "w.pt", "--model", "demo")
    assert s.port == 6003 and s.detail == "ops" and s.datasets == ["photos"]
    assert [(n.model, n.weights) for n in s.networks] == [("covidresnet", "w.pt"), ("demo", None)]


def test_a_non_loopback_host_from_any_source_gets_a_token(monkeypatch):
    monkeypatch.setenv("LAYERWALK_HOST", "0.0.0.0")
    assert _settings().token
    assert _settings("--token", "abc").token == "abc"
    assert _settings("--no-auth").token is None


@pytest.mark.parametrize(("argv", "words"), [
    (["--weights", "w.pt"], "--weights belongs to a --model"),
    (["--model", "demo", "--weights", "a.pt", "--weights", "b.pt"], "already has --weights"),
    (["--config", "/nonexistent/layerwalk.toml"], "does not exist"),
])
def test_flag_mistakes_are_one_clear_error(argv, words):
    with pytest.raises(SpecError, match=words):
        _settings(*argv)


@pytest.mark.parametrize(("text", "words"), [
    ("hots = 'x'", "hots: Extra inputs are not permitted"),
    ("port = 'many'", "port"),
    ("datasets = ['photos']\n[[networks]]\nmodel = 'demo'\ndataset = 3", "dataset index 3"),
    ("[[networks]]\nweights = 'w.pt'", "networks.0.model"),
    ("port = ", "not valid TOML"),
])
def test_toml_mistakes_are_one_clear_error(tmp_path, text, words):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(SpecError, match=words):
        _settings("--config", str(config))


def test_readme_configuration_examples_load(tmp_path, monkeypatch):
    """The TOML file and the environment example of README § Configuration are what the server reads."""
    import re
    from pathlib import Path

    section = (Path(__file__).resolve().parents[2] / "README.md").read_text().split("### Configuration", 1)[1]
    toml = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    (tmp_path / "layerwalk.toml").write_text(toml)
    s = _settings("--config", str(tmp_path / "layerwalk.toml"))
    assert [(n.model, n.dataset) for n in s.networks] == [("covidresnet", "fashion-mnist"),
                                                           ("torchvision:resnet18", None)]
    assert (s.port, s.device, s.max_upload_bytes, s.allowed_hosts) == (6000, "cpu", 20 * 2**20, ["vr.example.org"])
    env_line = next(line for line in section.splitlines() if line.startswith("LAYERWALK_DATASETS="))
    for name, value in re.findall(r"(LAYERWALK_\w+)='([^']*)'", env_line):
        monkeypatch.setenv(name, value)
    s = _settings()
    assert [n.model for n in s.networks] == ["torchvision:resnet18"] and s.datasets == ["photos"]
