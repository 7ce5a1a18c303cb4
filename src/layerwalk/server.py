"""Running the HTTP server: ``layerwalk serve`` options, and ``serve``/``show`` for notebooks and scripts.

>>> url = layerwalk.serve("demo", "photos")      # doctest: +SKIP
>>> layerwalk.show("torchvision:resnet18")       # doctest: +SKIP  (inline in Jupyter)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

from layerwalk.api.config import DEFAULT_PORT, NetworkSpec, Settings, is_loopback, load_settings
from layerwalk.errors import LayerwalkError, SpecError

__all__ = ["add_serve_arguments", "settings_from_args", "run_serve", "serve", "show", "stop"]

log = logging.getLogger("layerwalk.server")


# --- options -----------------------------------------------------------------------------------------------------
def _help(name: str) -> str:
    return Settings.model_fields[name].description or ""


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``layerwalk serve`` flags: each sets the ``Settings`` field of its name (they win over the environment
    ``LAYERWALK_*`` and the ``--config`` TOML file)."""
    # --model and --weights share one ordered list, so each --weights pairs with the --model before it
    parser.add_argument("--model", dest="network_args", action="append", type=lambda v: ("model", v), metavar="SPEC",
                        help="model spec (repeatable): demo, covidresnet, coviddensenet, torchvision:NAME, "
                             "file.py:factory, pkg.mod:factory (default: demo)")
    parser.add_argument("--weights", dest="network_args", action="append", type=lambda v: ("weights", v),
                        metavar="FILE", help="weights for the preceding --model")
    parser.add_argument("--dataset", dest="datasets", action="append", metavar="SPEC",
                        help="dataset spec (repeatable): photos, fashion-mnist[:train|test], imagefolder:PATH; "
                             "network i uses dataset i, or the last one (default: photos)")
    parser.add_argument("--config", type=Path, metavar="FILE", help=_help("config") + " (or LAYERWALK_CONFIG)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], help="default: auto")
    parser.add_argument("--detail", choices=["layers", "ops"], help="graph detail (default: layers)")
    parser.add_argument("--layout", choices=["auto", "conveyor", "wrap"], help=_help("layout") + " (default: auto)")
    parser.add_argument("--host", help=_help("host") + " (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    parser.add_argument("--allowed-host", dest="allowed_hosts", action="append", metavar="NAME",
                        help=_help("allowed_hosts"))
    parser.add_argument("--cors-origin", dest="cors_origins", action="append", metavar="ORIGIN",
                        help=_help("cors_origins"))
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--no-auth", dest="auth", action="store_false", default=None,
                      help="serve a non-loopback host WITHOUT a token (anyone on the network can use it)")
    auth.add_argument("--auth", dest="auth", action="store_true", help="require the token on loopback too")
    parser.add_argument("--token", help="use this token instead of a generated one (implies --auth)")
    parser.add_argument("--precomputed", dest="precomputed", action="append", type=Path, metavar="DIR",
                        help=_help("precomputed"))
    parser.add_argument("--open", action="store_true", help="open the client in the default browser")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The flags that were given, over the environment and the TOML file, with the demo defaults filled in."""
    names = ("config", "datasets", "host", "port", "device", "detail", "layout", "auth", "token", "allowed_hosts",
             "cors_origins", "precomputed")
    flags = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    if getattr(args, "network_args", None):
        flags["networks"] = _pair_weights(args.network_args)
    return with_demo_defaults(load_settings(**flags))


def _pair_weights(items: list[tuple[str, str]]) -> list[dict]:
    networks: list[dict] = []
    for kind, value in items:
        if kind == "model":
            networks.append({"model": value})
        elif not networks:
            raise SpecError("--weights belongs to a --model: write --model SPEC --weights FILE")
        elif "weights" in networks[-1]:
            raise SpecError(f"--model {networks[-1]['model']} already has --weights; give each --model at most one")
        else:
            networks[-1]["weights"] = value
    return networks


def with_demo_defaults(settings: Settings) -> Settings:
    """No network: the demo; no dataset at all: the photos."""
    networks = settings.networks or [NetworkSpec(model="demo")]
    datasets = settings.datasets or ([] if any(n.dataset for n in networks) else ["photos"])
    return settings.model_copy(update={"networks": networks, "datasets": datasets})


# --- building the app --------------------------------------------------------------------------------------------
def build_app(settings: Settings):
    """Load datasets and networks (network i ↔ its own dataset, else dataset i, else the last) and create the app."""
    from layerwalk.api import create_app
    from layerwalk.data import load_dataset
    from layerwalk.engine import Network

    specs = list(dict.fromkeys([*settings.datasets, *(str(n.dataset) for n in settings.networks if n.dataset)]))
    datasets = {spec: load_dataset(spec) for spec in specs}
    order = list(settings.datasets) or specs
    networks, tie = [], []
    for i, net in enumerate(settings.networks):
        spec = str(net.dataset) if net.dataset else (order[min(i, len(order) - 1)] if order else None)
        networks.append(Network.from_spec(net.model, weights=net.weights, dataset=datasets.get(spec),
                                          device=settings.device, detail=settings.detail))
        tie.append(specs.index(spec) if spec else None)
    return create_app(settings, networks, list(datasets.values()), network_datasets=tie)


def client_url(host: str, port: int, token: str | None) -> str:
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


# --- running -----------------------------------------------------------------------------------------------------
def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise LayerwalkError(f"cannot listen on {host}:{port} ({exc.strerror}); is another server running? "
                             "choose another --port (0 = any free port)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _uvicorn_server(app, sock_host: str, port: int, log_level: str = "warning"):
    import uvicorn

    state = app.state.layerwalk

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):  # end the event streams first, or graceful shutdown waits for them
            state.events.close()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, host=sock_host, port=port, log_level=log_level, timeout_graceful_shutdown=3,
                            access_log=False)
    return Server(config)


def run_serve(args: argparse.Namespace) -> int:
    """``layerwalk serve``: load, bind, print the URL, serve until Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = settings_from_args(args)
    if settings.auth is False and not is_loopback(settings.host):
        print(f"layerwalk: WARNING: --no-auth on {settings.host}: anyone who can reach this port can use the server",
              file=sys.stderr)
    print(f"layerwalk: loading {', '.join(n.model for n in settings.networks)} …", file=sys.stderr, flush=True)
    remove_orphaned_temp_files()
    sock = _bind(settings.host, settings.port)
    settings = settings.model_copy(update={"port": sock.getsockname()[1]})
    app = build_app(settings)
    url = client_url(settings.host, settings.port, settings.token)
    server = _uvicorn_server(app, settings.host, settings.port)
    if args.open:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    print(f"layerwalk: serving {len(settings.networks)} network(s) at\n    {url}\n(Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled after a graceful shutdown
        server.run(sockets=[sock])
    print("layerwalk: stopped", file=sys.stderr)
    return 0


def remove_orphaned_temp_files() -> None:
    """A server killed while writing the feature-visualization cache leaves a temporary file: remove it."""
    from layerwalk.featurevis.cache import FeatureVisCache

    removed = FeatureVisCache().remove_orphans()
    if removed:
        log.info("layerwalk: removed %d orphaned temporary file(s) from the feature-visualization cache", removed)


# --- notebooks and scripts ---------------------------------------------------------------------------------------
_running: dict[str, Any] = {}


def serve(model: Any = "demo", dataset: Any = None, *, host: str = "127.0.0.1", port: int = 0, device: str = "auto",
          detail: str = "layers", token: str | None = None, auth: bool | None = None, open: bool = False) -> str:
    """Serve one or more models in a background thread and return the client URL.

    Args:
        model: a spec (``"demo"``, ``"torchvision:resnet50"``), an ``nn.Module``, a ``ModelBundle``, an engine
            ``Network``, or a list of them.
        dataset: a dataset spec, an ``ImageDataset``, or a list (network i uses dataset i, or the last one).
        host, port: where to listen (``port=0``: any free port). A non-loopback host gets a token.
        open: also open the URL in the default browser.

    >>> url = serve("demo", "photos")  # doctest: +SKIP
    """
    from layerwalk.api import create_app

    networks, datasets = _as_networks(model, dataset, device, detail)
    settings = load_settings(host=host, port=port, token=token, auth=auth, device=device, detail=detail)
    remove_orphaned_temp_files()
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    settings = settings.model_copy(update={"port": port})
    app = create_app(settings, networks, datasets)
    server = _uvicorn_server(app, host, port)
    server.install_signal_handlers = lambda: None  # not the main thread
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"layerwalk-{port}")
    thread.start()
    url = client_url(host, port, settings.token)
    _running[url] = (server, thread)
    _wait_started(server, thread)
    if open:
        webbrowser.open(url)
    return url


def stop(url: str | None = None) -> None:
    """Stop the server started by ``serve`` at ``url`` (default: all of them)."""
    for key in [url] if url else list(_running):
        server, thread = _running.pop(key)
        server.config.app.state.layerwalk.events.close()
        server.should_exit = True
        thread.join(timeout=10)


def show(model: Any = "demo", dataset: Any = None, *, width: str | int = "100%", height: int = 640, **kwargs):
    """Serve (or reuse a running server when ``model`` is its URL) and display the client inline in Jupyter."""
    from IPython.display import IFrame, display

    url = model if isinstance(model, str) and model.startswith("http") else serve(model, dataset, **kwargs)
    frame = IFrame(url, width=width, height=height)
    display(frame)
    return frame


def _wait_started(server, thread: threading.Thread, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise LayerwalkError("the layerwalk server did not start; see the log above")


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _as_networks(model: Any, dataset: Any, device: str, detail: str) -> tuple[list, list]:
    from layerwalk.data import load_dataset
    from layerwalk.engine import Network

    datasets = [load_dataset(d) if isinstance(d, str) else d for d in _as_list(dataset) if d is not None]
    if not datasets and any(isinstance(m, str) and m == "demo" for m in _as_list(model)):
        datasets = [load_dataset("photos")]
    networks = []
    for i, m in enumerate(_as_list(model)):
        ds = datasets[min(i, len(datasets) - 1)] if datasets else None
        if isinstance(m, Network):
            networks.append(m)
        elif isinstance(m, str):
            networks.append(Network.from_spec(m, dataset=ds, device=device, detail=detail))
        else:
            networks.append(Network(m, dataset=ds, device=device, detail=detail))
    return networks, datasets
