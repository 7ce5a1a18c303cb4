"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from layerwalk.api import routes
from layerwalk.api.config import Settings
from layerwalk.api.errors import install_error_handlers
from layerwalk.api.featurevis_kind import featurevis_job_kind
from layerwalk.api.middleware import BodyLimit, HeadAsGet, SiteGuard, TokenAuth
from layerwalk.api.routes import analysis as analysis_routes
from layerwalk.api.routes import attributions as attribution_routes
from layerwalk.api.routes import filters as filter_routes
from layerwalk.api.routes import influence as influence_routes
from layerwalk.api.routes import precomputed as precomputed_routes
from layerwalk.api.routes import probing as probing_routes
from layerwalk.api.state import AppState


def create_app(settings: Settings | None = None, networks: Sequence[Any] = (), datasets: Sequence[Any] = (), *,
               network_datasets: Sequence[int | None] | None = None,
               job_kinds: dict[str, Callable[..., Any]] | None = None) -> FastAPI:
    """Build the app serving ``networks`` (engine ``Network`` s) and ``datasets``.

    Network i is tied to ``network_datasets[i]`` if given, else to the dataset it was built with, else to
    dataset i (or the last one). ``job_kinds`` adds or replaces job kinds (``featurevis`` is registered when
    ``layerwalk.featurevis`` is installed).

    >>> app = create_app(Settings(), networks=[], datasets=[])  # doctest: +SKIP
    """
    settings = settings or Settings()
    state = AppState(settings, networks, datasets, network_datasets)
    kinds: dict[str, Callable[..., Any] | None] = {  # featurevis_job_kind() may be None
        "featurevis": featurevis_job_kind(), analysis_routes.KIND: analysis_routes.analysis_job,
             attribution_routes.KIND: attribution_routes.attribution_job,
             influence_routes.KIND: influence_routes.influence_job, **(job_kinds or {})}
    for kind, fn in kinds.items():
        if fn is not None:
            state.jobs.register(kind, fn)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(title="layerwalk", version="0.1.0", lifespan=lifespan,
                  summary="Walk through a PyTorch CNN in 3D: graph, layout, activations, jobs, events.")
    app.state.layerwalk = state
    install_error_handlers(app)
    for module in (routes.networks, routes.inputs, routes.layers, routes.datasets, routes.jobs, routes.events,
                   analysis_routes):
        app.include_router(module.router)
    app.include_router(attribution_routes.router)
    app.include_router(precomputed_routes.router)
    app.include_router(attribution_routes.methods_router)
    app.include_router(influence_routes.router)
    app.include_router(probing_routes.router)
    app.include_router(filter_routes.router)
    _mount_client(app, settings)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + 64 * 1024)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"], expose_headers=["X-Input-Version", "X-Bias", "X-Batch-Norm"])
    app.add_middleware(TokenAuth, token=settings.token)
    app.add_middleware(SiteGuard, settings=settings)  # outermost: a rebound or cross-site request gets nothing
    return app


def _mount_client(app: FastAPI, settings: Settings) -> None:
    if (settings.client_dist / "index.html").is_file():
        app.mount("/", StaticFiles(directory=settings.client_dist, html=True), name="client")
    else:
        app.include_router(routes.client.router)
