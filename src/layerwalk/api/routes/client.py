"""The web client at ``/``: the built 3D client if present, else a minimal page listing the networks."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from layerwalk.api.deps import StateDep

router = APIRouter(tags=["client"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(state: StateDep) -> str:
    """A minimal page (the 3D client has not been built: run scripts/setup)."""
    rows = "".join(
        f"<li><b>{html.escape(e.id)}</b> {html.escape(str(e.network.name))} — "
        f"input {'×'.join(map(str, e.network.input_size))}, {len(e.network.graph.nodes)} layers "
        f"(<a href='api/networks/{e.id}/graph'>graph</a>, "
        f"<a href='api/networks/{e.id}/input.png'>input</a>)</li>" for e in state.networks)
    return (f"<!doctype html><meta charset=utf-8><title>layerwalk</title><h1>layerwalk</h1>"
            f"<p>The 3D client is not built here (run <code>scripts/setup</code>). API: <a href='docs'>/docs</a>.</p>"
            f"<ul>{rows}</ul>")
