"""Running the HTTP server: ``layerwalk serve`` options, and ``serve``/``show`` for notebooks and scripts.

>>> url = layerwalk.serve("demo", "photos")      # doctest: +SKIP
>>> layerwalk.show("torchvision:resnet18")       # doctest: +SKIP  (inline in Jupyter)
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import secrets
import socket
import sys
import threading
import tomllib
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerwalk.errors import LayerwalkError, SpecError

__all__ = ["add_serve_arguments", "run_serve", "serve", "show", "stop"]

DEFAULT_PORT = 5570
log = logging.getLogger("layerwalk.server")


# --- options -----------------------------------------------------------------------------------------------------
@dataclass
class NetworkSpec:
    model: str
    weights: str | None = None
    dataset: str | None = None


@dataclass
class ServeConfig:
    networks: list[NetworkSpec] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    device: str = "auto"
    detail: str = "layers"
    auth: bool | None = None  # None: only for non-loopback hosts
    token: str | None = None


class _ModelAction(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        models = list(getattr(namespace, self.dest) or [])
        models.append(NetworkSpec(value))
        setattr(namespace, self.dest, models)


class _WeightsAction(argparse.Action):
    def __call__(self, parser, namespace, value, option_string=None):
        models = getattr(namespace, "models", None)
        if not models:
            parser.error("--weights belongs to a --model: write --model SPEC --weights FILE")
        if models[-1].weights is not None:
            parser.error(f"--model {models[-1].model} already has --weights; give each --model at most one")
        models[-1].weights = value


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``layerwalk serve`` options."""
    parser.add_argument("--model", dest="models", action=_ModelAction, metavar="SPEC",
                        help="model spec (repeatable): demo, covidresnet, coviddensenet, torchvision:NAME, "
                             "file.py:factory, pkg.mod:factory (default: demo)")
    parser.add_argument("--weights", action=_WeightsAction, metavar="FILE", help="weights for the preceding --model")
    parser.add_argument("--dataset", dest="datasets", action="append", metavar="SPEC",
                        help="dataset spec (repeatable): photos, fashion-mnist[:train|test], imagefolder:PATH; "
                             "network i uses dataset i, or the last one (default: photos)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML file describing networks and datasets")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None, help="default: auto")
    parser.add_argument("--detail", choices=["layers", "ops"], default=None, help="graph detail (default: layers)")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; others need a token)")
    parser.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--no-auth", dest="auth", action="store_false", default=None,
                      help="serve a non-loopback host WITHOUT a token (anyone on the network can use it)")
    auth.add_argument("--auth", dest="auth", action="store_true", help="require the token on loopback too")
    parser.add_argument("--token", default=None, help="use this token instead of a generated one (implies --auth)")
    parser.add_argument("--open", action="store_true", help="open the client in the default browser")


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    """Merge ``--config`` (TOML) with the command line (which wins) and fill in the demo defaults."""
    config = read_config(args.config) if getattr(args, "config", None) else ServeConfig()
    if args.models:
        config.networks = list(args.models)
    if args.datasets:
        config.datasets = list(args.datasets)
    for key in ("host", "port", "device", "detail", "token"):
        if getattr(args, key, None) is not None:
            setattr(config, key, getattr(args, key))
    if args.auth is not None:
        config.auth = args.auth
    if config.token:
        config.auth = True if config.auth is None else config.auth
    if not config.networks:
        config.networks = [NetworkSpec("demo")]
    if not config.datasets and not any(n.dataset for n in config.networks):
        config.datasets = ["photos"]
    return config


def read_config(path: Path) -> ServeConfig:
    """Read a TOML set-up::

        host = "127.0.0.1"      # port, device, detail, auth, token likewise
        datasets = ["photos"]
        [[networks]]
        model = "torchvision:resnet50"
        weights = "resnet50.safetensors"   # optional
        dataset = "photos"                  # optional: a spec (added to datasets) or an index into datasets
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"--config {path}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"--config {path} is not valid TOML ({exc}); see `layerwalk serve --help`") from None
    known = {"host", "port", "device", "detail", "auth", "token", "datasets", "networks"}
    if unknown := set(data) - known:
        raise SpecError(f"--config {path}: unknown keys {sorted(unknown)}; known keys: {sorted(known)}")
    config = ServeConfig(**{k: data[k] for k in known - {"networks", "datasets"} if k in data})
    config.datasets = [str(d) for d in data.get("datasets", [])]
    for i, net in enumerate(data.get("networks", [])):
        if not isinstance(net, dict) or "model" not in net:
            raise SpecError(f"--config {path}: [[networks]] entry {i} needs a model = \"SPEC\"")
        ds = net.get("dataset")
        if isinstance(ds, int):
            if not 0 <= ds < len(config.datasets):
                raise SpecError(f"--config {path}: network {i} dataset index {ds} is not in datasets (0…"
                                f"{len(config.datasets) - 1})")
            ds = config.datasets[ds]
        config.networks.append(NetworkSpec(str(net["model"]), net.get("weights"), ds))
    return config


# --- building the app --------------------------------------------------------------------------------------------
def build_app(config: ServeConfig):
    """Load datasets and networks (network i ↔ its own dataset, else dataset i, else the last) and create the app."""
    from layerwalk.api import Settings, create_app
    from layerwalk.data import load_dataset
    from layerwalk.engine import Network

    specs = list(dict.fromkeys([*config.datasets, *(n.dataset for n in config.networks if n.dataset)]))
    datasets = {spec: load_dataset(spec) for spec in specs}
    order = list(config.datasets) or specs
    networks, tie = [], []
    for i, net in enumerate(config.networks):
        spec = net.dataset or (order[min(i, len(order) - 1)] if order else None)
        networks.append(Network.from_spec(net.model, weights=net.weights, dataset=datasets.get(spec),
                                          device=config.device, detail=config.detail))
        tie.append(specs.index(spec) if spec else None)
    settings = Settings(host=config.host, port=config.port, token=_token(config))
    return create_app(settings, networks, list(datasets.values()), network_datasets=tie)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "") or host.startswith("localhost."):
        return host != ""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _token(config: ServeConfig) -> str | None:
    needs = config.auth if config.auth is not None else not is_loopback(config.host)
    return (config.token or secrets.token_urlsafe(24)) if needs else None


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
    config = config_from_args(args)
    if config.auth is False and not is_loopback(config.host):
        print(f"layerwalk: WARNING: --no-auth on {config.host}: anyone who can reach this port can use the server",
              file=sys.stderr)
    print(f"layerwalk: loading {', '.join(n.model for n in config.networks)} …", file=sys.stderr, flush=True)
    sock = _bind(config.host, config.port)
    app = build_app(config)
    port = sock.getsockname()[1]
    url = client_url(config.host, port, app.state.layerwalk.settings.token)
    server = _uvicorn_server(app, config.host, port)
    if args.open:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    print(f"layerwalk: serving {len(config.networks)} network(s) at\n    {url}\n(Ctrl-C to stop)", flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled after a graceful shutdown
        pass
    print("layerwalk: stopped", file=sys.stderr)
    return 0


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
    from layerwalk.api import Settings, create_app

    networks, datasets = _as_networks(model, dataset, device, detail)
    config = ServeConfig(host=host, port=port, auth=auth if auth is not None else (True if token else None),
                         token=token)
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    settings = Settings(host=host, port=port, token=_token(config))
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
