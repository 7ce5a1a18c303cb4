"""The HTTP API's OpenAPI document, as the TypeScript client is generated from it (``scripts/gen-api-client``).

    .venv/bin/python -m layerwalk.api.openapi > client/src/api/openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from layerwalk.api.app import create_app
from layerwalk.api.config import Settings


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of an app serving nothing: the routes and schemas do not depend on the models."""
    app = create_app(Settings(client_dist=Path("/nonexistent/client_dist")), networks=[], datasets=[])
    try:
        return app.openapi()
    finally:
        app.state.layerwalk.close()


def openapi_json() -> str:
    """The document exactly as committed in ``client/src/api/openapi.json``."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(openapi_json())
