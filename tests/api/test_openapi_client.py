"""The TypeScript client is generated from client/src/api/openapi.json: it must be the app's document, with ids that
read well as function names (scripts/gen-api-client regenerates it)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute

from layerwalk.api import Settings, create_app
from layerwalk.api.openapi import openapi_document, openapi_json

CLIENT_API = Path(__file__).resolve().parents[2] / "client" / "src" / "api"
READABLE_ID = re.compile(r"[a-z][a-zA-Z0-9]*")  # camelCase: listNetworks, getLayerHistograms


def unreadable_operations(app: FastAPI) -> list[str]:
    """Routes in the document without an explicit camelCase ``operation_id`` (FastAPI's default id would be
    ``get_graph_api_networks__nid__graph_get``)."""
    return [f"{sorted(route.methods)} {route.path}: operation_id={route.operation_id!r}" for route in app.routes
            if isinstance(route, APIRoute) and route.include_in_schema
            and not (route.operation_id and READABLE_ID.fullmatch(route.operation_id))]


def test_committed_openapi_document_is_the_apps():
    committed = (CLIENT_API / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_json(), \
        "client/src/api/openapi.json is not the server's document: run scripts/gen-api-client"


def test_every_operation_has_an_explicit_readable_id(tmp_path):
    app = create_app(Settings(client_dist=tmp_path), networks=[], datasets=[])
    try:
        assert unreadable_operations(app) == []
    finally:
        app.state.layerwalk.close()
    ids = [op["operationId"] for item in openapi_document()["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) and all(READABLE_ID.fullmatch(i) for i in ids), ids


def test_a_route_without_an_operation_id_is_caught():
    app = FastAPI()

    @app.get("/api/networks/{nid}/graph")
    def get_graph(nid: str) -> dict:
        """A route relying on FastAPI's default id."""
        return {}

    @app.get("/api/networks", operation_id="list_networks")
    def list_networks() -> list:
        """A snake_case id does not read like the rest of the TypeScript client."""
        return []

    assert app.openapi()["paths"]["/api/networks/{nid}/graph"]["get"]["operationId"] == \
        "get_graph_api_networks__nid__graph_get"
    assert len(unreadable_operations(app)) == 2


def test_generated_typescript_has_every_operation():
    schema_ts = (CLIENT_API / "schema.d.ts").read_text(encoding="utf-8")
    ids = [op["operationId"] for item in openapi_document()["paths"].values() for op in item.values()]
    missing = [i for i in ids if f"\n    {i}: {{\n" not in schema_ts]
    assert not missing, f"client/src/api/schema.d.ts lacks {missing}: run scripts/gen-api-client"
