"""The HTTP API (FastAPI): routers that turn HTTP into library calls. See docs/architecture.md."""

from layerwalk.api.app import create_app
from layerwalk.api.config import Settings

__all__ = ["Settings", "create_app"]
