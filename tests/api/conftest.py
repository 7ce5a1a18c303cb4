from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from layerwalk.api import Settings, create_app

from .tiny import tiny_network


def make_networks():
    """A tiny real CNN (branch and join) behind the real engine ``Network``, on a tiny in-memory dataset."""
    return tiny_network()


@pytest.fixture
def app_factory(tmp_path):
    apps = []

    def make(**settings):
        networks, datasets = make_networks()
        kinds = settings.pop("job_kinds", None)
        settings.setdefault("allowed_hosts", ["testserver"])  # TestClient's Host; the guard refuses other names
        app = create_app(Settings(client_dist=tmp_path / "no-client", **settings), networks, datasets, job_kinds=kinds)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.layerwalk.close()


@pytest.fixture
def client(app_factory):
    with TestClient(app_factory()) as c:
        yield c
