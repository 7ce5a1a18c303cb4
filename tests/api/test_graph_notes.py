"""The graph response says what the displayed graph leaves out of the model and why (issue 18: never a silent
missing layer): a window-attention block's per-window ops are left out with a note; a plain CNN has none."""

from __future__ import annotations

from fastapi.testclient import TestClient

from layerwalk.api import Settings, create_app
from layerwalk.engine import Network
from tests.capture.test_layout import WindowAttention

from .tiny import tiny_network


def test_graph_lists_what_it_leaves_out(tmp_path):
    networks, datasets = tiny_network()
    windows = Network(WindowAttention().eval(), input_size=(3, 8, 8), name="windows", device="cpu")
    app = create_app(Settings(client_dist=tmp_path / "no-client", allowed_hosts=["testserver"]),
                     [*networks, windows], datasets, network_datasets=[0, None])
    try:
        with TestClient(app) as client:
            plain, folded = (client.get(f"/api/networks/{nid}/graph").json() for nid in ("n0", "n1"))
    finally:
        app.state.layerwalk.close()
    assert plain["notes"] == []
    assert "mix" not in {n["id"] for n in folded["nodes"]}          # the per-window linear is not drawn …
    assert folded["notes"] == list(windows.graph.notes)            # … and the response says so, and why
    assert any("mix" in note and "batch is folded" in note for note in folded["notes"]), folded["notes"]
