"""A small fake layerwalk server for fast client tests: the HTTP API of docs/architecture.md with synthetic data.

Serves the built client (src/layerwalk/client_dist) at ``/`` and, under ``/api``, a synthetic ResNet50-like graph
(~120 displayed layers, real ResNet50 shapes at 224×224) with its layout, a synthetic "shapes" dataset, binary
activations, classification, histograms, jobs and the SSE event stream. Standard library + numpy + Pillow only,
so it starts in well under a second.

    .venv/bin/python tests/browser/fake_api.py --port 8765 [--networks 2]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import queue
import re
import sys
import threading
import time
import types
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIST = ROOT / "src" / "layerwalk" / "client_dist"
CLASSES = ["circle", "square", "triangle", "stripes", "cross", "ring"]
MIME = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".png": "image/png",
        ".svg": "image/svg+xml", ".json": "application/json", ".ico": "image/x-icon", ".wasm": "application/wasm"}


# --- graph ----------------------------------------------------------------------------------------------------
def resnet_like_graph(blocks=(3, 4, 6, 3), size=224, num_classes=len(CLASSES)) -> list[dict]:
    """ResNet50 shapes: stem, bottleneck blocks (conv1/conv2/conv3, downsample, add, relu), pool, fc, output."""
    nodes: list[dict] = []

    def add(id_, kind, shape, prec, label, params=0):
        nodes.append({"id": id_, "name": id_, "kind": kind, "shape": list(shape), "params": params,
                      "module": id_ if params else None, "precursors": list(prec), "label": label,
                      "folded": [], "text": None, "has_weights": params > 0})
        return id_

    s = size // 2
    x = add("input", "input", (3, size, size), [], "")
    x = add("conv1", "conv", (64, s, s), [x], "conv 7×7/64 s2", 9408)
    x = add("relu", "act", (64, s, s), [x], "bn + relu")
    s //= 2
    x = add("maxpool", "pool", (64, s, s), [x], "maxpool 3×3 s2")
    cin = 64
    for stage, n in enumerate(blocks, start=1):
        width = 64 * 2 ** (stage - 1)
        for b in range(n):
            p = f"layer{stage}.{b}"
            stride = 2 if b == 0 and stage > 1 else 1
            s_out = s // stride
            y = add(f"{p}.conv1", "conv", (width, s, s), [x], f"conv 1×1/{width}", cin * width)
            y = add(f"{p}.relu1", "act", (width, s, s), [y], "bn + relu")
            y = add(f"{p}.conv2", "conv", (width, s_out, s_out), [y], f"conv 3×3/{width}" + (" s2" if stride == 2 else ""),
                    9 * width * width)
            y = add(f"{p}.relu2", "act", (width, s_out, s_out), [y], "bn + relu")
            y = add(f"{p}.conv3", "conv", (4 * width, s_out, s_out), [y], f"conv 1×1/{4 * width}", width * 4 * width)
            skip = x
            if b == 0:
                skip = add(f"{p}.downsample", "conv", (4 * width, s_out, s_out), [x],
                           f"conv 1×1/{4 * width}" + (" s2" if stride == 2 else ""), cin * 4 * width)
            y = add(f"{p}.add", "add", (4 * width, s_out, s_out), [y, skip], "add")
            x = add(f"{p}.relu", "act", (4 * width, s_out, s_out), [y], "relu")
            cin, s = 4 * width, s_out
    x = add("avgpool", "pool", (cin, 1, 1), [x], "avgpool")
    x = add("flatten", "flatten", (cin,), [x], "flatten")
    x = add("fc", "linear", (num_classes,), [x], f"linear {cin}→{num_classes}", cin * num_classes + num_classes)
    add("output", "output", (num_classes,), [x], "softmax")
    return nodes


def layout_of(nodes: list[dict]) -> dict:
    """The real layout (pure maths, no torch) if importable, else a simple one: stages along -z, lanes along x."""
    if __name__ == "__main__" and "layerwalk" not in sys.modules:
        # standalone: make `layerwalk` a bare namespace so importing its layout package skips the (torch-importing)
        # package __init__ — start-up stays well under a second
        pkg = types.ModuleType("layerwalk")
        pkg.__path__ = [str(ROOT / "src" / "layerwalk")]
        sys.modules["layerwalk"] = pkg
    try:
        from layerwalk.layout import layout_graph  # type: ignore

        return layout_graph({"nodes": nodes})
    except Exception:  # noqa: BLE001 - the layout package may be mid-rewrite; the fake must still start
        return simple_layout(nodes)


def simple_layout(nodes: list[dict]) -> dict:
    out, edges, z = {}, [], 0.0
    for n in nodes:
        c = n["shape"][0]
        cols = math.ceil(math.sqrt(c))
        rows = math.ceil(c / cols)
        side = min(max(0.12 * max(1, math.prod(n["shape"])) ** 0.25, 0.5), 4.0)
        lane = 1 if n["id"].endswith("downsample") else 0
        out[n["id"]] = {"x": lane * 3.0, "y": 0.5 + side / 2, "z": z, "width": side, "height": side,
                        "stage": len(out), "lane": lane, "grid": [cols, rows]}
        z -= 1.0 + side * 0.25
    for n in nodes:
        for p in n["precursors"]:
            a, b = out[p], out[n["id"]]
            edges.append({"from": p, "to": n["id"], "label": n["label"],
                          "points": [[a["x"], a["z"]], [a["x"], (a["z"] + b["z"]) / 2], [b["x"], (a["z"] + b["z"]) / 2],
                                     [b["x"], b["z"]]]})
    return {"nodes": out, "edges": edges, "bounds": {"min": [-2, 0, z], "max": [5, 4, 2]}, "origin": [0.0, 1.5]}


# --- dataset --------------------------------------------------------------------------------------------------
def shape_image(index: int, size=96) -> tuple[Image.Image, int]:
    rng = np.random.default_rng(index)
    label = index % len(CLASSES)
    bg = tuple(int(v) for v in rng.integers(20, 110, 3))
    fg = tuple(int(v) for v in rng.integers(140, 256, 3))
    img = Image.new("RGB", (size, size), bg)
    d = ImageDraw.Draw(img)
    r = int(rng.integers(size // 5, size // 3))
    cx, cy = (int(v) for v in rng.integers(r + 4, size - r - 4, 2))
    if CLASSES[label] == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fg)
    elif CLASSES[label] == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fg)
    elif CLASSES[label] == "triangle":
        d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fg)
    elif CLASSES[label] == "stripes":
        for k in range(0, size, 12):
            d.rectangle([k, 0, k + 5, size], fill=fg)
    elif CLASSES[label] == "cross":
        d.rectangle([cx - r, cy - r // 4, cx + r, cy + r // 4], fill=fg)
        d.rectangle([cx - r // 4, cy - r, cx + r // 4, cy + r], fill=fg)
    else:
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=fg, width=max(3, r // 4))
    return img, label


# --- state ----------------------------------------------------------------------------------------------------
class FakeNetwork:
    def __init__(self, nid: str, name: str, size=224):
        self.id, self.name, self.size = nid, name, size
        self.nodes = resnet_like_graph(size=size)
        self.layout = layout_of(self.nodes)
        self.lock = threading.Lock()
        self.set_image(shape_image(0)[0], {"source": "dataset", "dataset": "shapes", "index": 0}, 0, bump=False)
        self.version = 1

    def set_image(self, img: Image.Image, source: dict, label: int | None, bump=True):
        img = img.convert("RGB").resize((self.size, self.size))
        with self.lock:
            self.image = img
            self.source = source
            self.label = label
            self._payload = None
            if bump:
                self.version += 1

    def classification(self, top=5) -> list[dict]:
        rng = np.random.default_rng(self.version)
        logits = rng.normal(0, 1, len(CLASSES))
        if self.label is not None:
            logits[self.label] += 6.0
        p = np.exp(logits) / np.exp(logits).sum()
        order = np.argsort(-p)[:top]
        return [{"index": int(i), "name": CLASSES[i], "probability": float(p[i])} for i in order]

    def activations(self) -> tuple[list[dict], bytes]:
        """Encoded layers: the input is the real normalised image, the rest smooth pseudo-random maps."""
        with self.lock:
            if self._payload is None:
                self._payload = self._encode()
            return self._payload

    def _encode(self):
        rng = np.random.default_rng(self.version * 7919)
        img = (np.asarray(self.image, dtype=np.float32) / 255.0 - 0.45) / 0.25
        layers, chunks, offset = [], [], 0
        for n in self.nodes:
            shape = tuple(n["shape"])
            if n["id"] == "input":
                v = img.transpose(2, 0, 1)
            elif len(shape) == 1:
                v = rng.normal(0, 1, shape).astype(np.float32)
                if n["id"] == "output":
                    v = np.zeros(shape, np.float32)
                    for p in self.classification(len(CLASSES)):
                        v[p["index"]] = p["probability"]
            else:
                c, h, w = shape
                # maps that respond to the input: per-channel mix of the image's grey levels and its edges, plus
                # low-frequency noise (so a new input visibly changes every layer)
                grey = np.asarray(self.image.convert("L").resize((w, h)), dtype=np.float32) / 255.0
                edges = np.zeros_like(grey)
                if h > 2 and w > 2:
                    gy, gx = np.gradient(grey)
                    edges = np.abs(gy) + np.abs(gx)
                a, e, b = (rng.normal(0, 1, (c, 1, 1)).astype(np.float32) for _ in range(3))
                lo = rng.normal(0, 0.5, (c, -(-h // 8), -(-w // 8))).astype(np.float32)
                v = a * (grey - 0.5) + 4 * e * edges + 0.3 * b
                v += np.repeat(np.repeat(lo, 8, axis=1), 8, axis=2)[:, :h, :w]
                if n["kind"] in ("act", "pool"):
                    v = np.maximum(v, 0)
            vmin, vmax = float(min(v.min(), 0.0)), float(max(v.max(), 0.0))
            scale = (vmax - vmin) or 1.0
            q = np.clip(np.round((v - vmin) / scale * 255), 0, 255).astype(np.uint8)
            zero = int(round(-vmin / scale * 255))
            data = q.tobytes()
            layers.append({"id": n["id"], "shape": list(shape), "offset": offset, "length": len(data),
                           "vmin": vmin, "vmax": vmax, "zero_level": zero})
            chunks.append(data)
            offset += len(data)
        return layers, b"".join(chunks)


class FakeState:
    def __init__(self, networks=1, dataset_size=240):
        self.networks = {f"n{i}": FakeNetwork(f"n{i}", f"FakeResNet50 #{i}" if networks > 1 else "FakeResNet50")
                         for i in range(networks)}
        self.dataset_size = dataset_size
        self.jobs: dict[str, dict] = {}
        self.subscribers: list[queue.Queue] = []
        self.sub_lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []

    def broadcast(self, event: str, data: dict):
        msg = f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()
        with self.sub_lock:
            for q in self.subscribers:
                q.put(msg)


# --- HTTP -----------------------------------------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def make_handler(state: FakeState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def do_DELETE(self):
            self._dispatch("DELETE")

        def _dispatch(self, method: str):
            url = urlparse(self.path)
            state.requests.append((method, url.path))
            try:
                if not url.path.startswith("/api/"):
                    return self._static(url.path)
                for pattern, m, fn in ROUTES:
                    match = re.fullmatch(pattern, url.path[4:])
                    if match and m == method:
                        return fn(self, state, parse_qs(url.query), *match.groups())
                raise ApiError(404, "not_found", f"no route {method} {url.path}")
            except ApiError as e:
                self.send_json({"error": e.code, "detail": e.detail}, e.status)
            except (BrokenPipeError, ConnectionResetError):
                pass
            except Exception as e:  # noqa: BLE001 - answer like the real server would, never drop the connection
                self.send_json({"error": "internal", "detail": f"{type(e).__name__}: {e}"}, 500)

        def _static(self, path: str):
            rel = path.lstrip("/") or "index.html"
            f = (CLIENT_DIST / rel).resolve()
            if not str(f).startswith(str(CLIENT_DIST.resolve())) or not f.is_file():
                raise ApiError(404, "not_found", f"no file {path}")
            self.send_bytes(f.read_bytes(), MIME.get(f.suffix, "application/octet-stream"))

        def send_bytes(self, body: bytes, ctype: str, status=200, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def send_json(self, obj, status=200):
            self.send_bytes(json.dumps(obj).encode(), "application/json", status)

        def body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    return Handler


def network(state: FakeState, nid: str) -> FakeNetwork:
    if nid not in state.networks:
        raise ApiError(404, "not_found", f"unknown network {nid!r}; valid: {', '.join(state.networks)}")
    return state.networks[nid]


def node_of(net: FakeNetwork, lid: str) -> dict:
    for n in net.nodes:
        if n["id"] == lid:
            return n
    raise ApiError(404, "not_found", f"unknown layer {lid!r}")


def r_networks(h, s, q):
    h.send_json([{"id": n.id, "name": n.name, "spec": "fake:resnet50", "input_shape": [3, n.size, n.size],
                  "num_layers": len(n.nodes), "dataset": "shapes", "class_names": CLASSES, "version": n.version}
                 for n in s.networks.values()])


def r_graph(h, s, q, nid):
    n = network(s, nid)
    h.send_json({"network": nid, "nodes": n.nodes, "total_params": sum(x["params"] for x in n.nodes),
                 "detail": "layers", "method": "fake", "layout": n.layout})


def r_datasets(h, s, q):
    h.send_json([{"id": "shapes", "name": "Synthetic shapes", "spec": "fake:shapes", "size": s.dataset_size,
                  "class_names": CLASSES, "channels": 3}])


def r_items(h, s, q, did):
    offset, limit = int(q.get("offset", ["0"])[0]), int(q.get("limit", ["24"])[0])
    items = [{"index": i, "label": i % len(CLASSES), "class_name": CLASSES[i % len(CLASSES)]}
             for i in range(offset, min(s.dataset_size, offset + limit))]
    h.send_json({"total": s.dataset_size, "offset": offset, "items": items})


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def r_item_image(h, s, q, did, i):
    if not 0 <= int(i) < s.dataset_size:
        raise ApiError(404, "not_found", f"item {i} out of range 0..{s.dataset_size - 1}")
    h.send_bytes(png(shape_image(int(i))[0]), "image/png")


def input_result(s: FakeState, n: FakeNetwork):
    s.broadcast("input", {"network": n.id, "version": n.version, "source": n.source})
    return {"version": n.version, "source": n.source, "classification": n.classification()}


def r_set_input(h, s, q, nid):
    n = network(s, nid)
    try:
        body = json.loads(h.body() or b"{}")
    except json.JSONDecodeError as e:
        raise ApiError(422, "invalid_request", f"body is not JSON: {e}")
    src = body.get("source")
    if src == "dataset":
        img, label = shape_image(int(body["index"]))
        n.set_image(img, body, label)
    elif src == "noise":
        rng = np.random.default_rng(int(body.get("seed", 0)))
        n.set_image(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)), body, None)
    elif src == "featurevis":
        n.set_image(Image.new("RGB", (64, 64), (200, 120, 40)), body, None)
    else:
        raise ApiError(422, "invalid_request", f"unknown input source {src!r}")
    h.send_json(input_result(s, n))


def r_upload(h, s, q, nid):
    n = network(s, nid)
    raw = h.body()
    ctype = h.headers.get("Content-Type", "")
    m = re.search(r"boundary=(.+)", ctype)
    if not m:
        raise ApiError(422, "invalid_request", "expected multipart/form-data with a 'file' field")
    boundary = m.group(1).strip('"').encode()
    data = None
    for part in raw.split(b"--" + boundary):
        head, _, content = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            data = content.rsplit(b"\r\n", 1)[0]
    if data is None:
        raise ApiError(422, "invalid_request", "multipart body has no 'file' field")
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception:  # noqa: BLE001
        raise ApiError(400, "bad_image", "the uploaded file is not an image Pillow can read (PNG, JPEG, …)")
    n.set_image(img, {"source": "upload"}, None)
    h.send_json(input_result(s, n))


def r_input_png(h, s, q, nid):
    n = network(s, nid)
    h.send_bytes(png(n.image), "image/png", headers={"X-Input-Version": str(n.version)})


def r_activations(h, s, q, nid, lid=None):
    n = network(s, nid)
    layers, data = n.activations()
    if lid is not None:
        node_of(n, lid)
        layer = next(x for x in layers if x["id"] == lid)
        data = data[layer["offset"]:layer["offset"] + layer["length"]]
        layers = [dict(layer, offset=0)]
    header = json.dumps({"network": nid, "version": n.version, "layers": layers}).encode()
    body = len(header).to_bytes(4, "little") + header + data
    h.send_bytes(body, "application/octet-stream", headers={"X-Input-Version": str(n.version)})


def r_classification(h, s, q, nid):
    n = network(s, nid)
    h.send_json({"version": n.version, "predictions": n.classification(int(q.get("top", ["5"])[0]))})


def r_histograms(h, s, q, nid, lid):
    n = network(s, nid)
    node = node_of(n, lid)
    layers, data = n.activations()
    layer = next(x for x in layers if x["id"] == lid)
    raw = np.frombuffer(data, np.uint8, layer["length"], layer["offset"])
    counts, edges = np.histogram(raw, bins=64, range=(0, 255))
    edges = layer["vmin"] + edges / 255 * (layer["vmax"] - layer["vmin"])
    weights = None
    if node["has_weights"]:
        w = np.random.default_rng(len(lid)).normal(0, 0.05, 4096)
        wc, we = np.histogram(w, bins=64)
        weights = {"counts": wc.tolist(), "edges": we.tolist()}
    h.send_json({"version": n.version, "activation": {"counts": counts.tolist(), "edges": edges.tolist()},
                 "weights": weights})


def r_export(h, s, q, nid, lid):
    n = network(s, nid)
    node_of(n, lid)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("meta.json", json.dumps({"network": nid, "layer": lid, "version": n.version}))
    h.send_bytes(buf.getvalue(), "application/zip",
                 headers={"Content-Disposition": f'attachment; filename="{nid}-{lid}.zip"'})


def r_featurevis(h, s, q, nid, lid):
    h.body()  # consume the request body, or it garbles the next request on the kept-alive connection
    n = network(s, nid)
    node_of(n, lid)
    jid = f"job{len(s.jobs) + 1}"
    job = {"id": jid, "kind": "featurevis", "state": "running", "progress": 0.0, "eta_seconds": 2.0,
           "message": f"featurevis {lid}", "result": None, "_t0": time.time()}
    s.jobs[jid] = job
    h.send_json({"job": jid})


def r_job(h, s, q, jid):
    job = s.jobs.get(jid)
    if job is None:
        raise ApiError(404, "not_found", f"unknown job {jid!r}")
    p = min(1.0, (time.time() - job["_t0"]) / 2.0)
    job.update(progress=p, eta_seconds=max(0.0, 2.0 - 2.0 * p))
    if p >= 1.0:
        job.update(state="done", result={"images": []})
    h.send_json({k: v for k, v in job.items() if not k.startswith("_")})


def r_events(h, s, q):
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.send_header("Cache-Control", "no-store")
    h.end_headers()
    mine: queue.Queue = queue.Queue()
    with s.sub_lock:
        s.subscribers.append(mine)
    try:
        h.wfile.write(b"retry: 1000\n\n: connected\n\n")
        h.wfile.flush()
        while True:
            try:
                msg = mine.get(timeout=10)
            except queue.Empty:
                msg = b": keep-alive\n\n"
            h.wfile.write(msg)
            h.wfile.flush()
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass
    finally:
        with s.sub_lock:
            s.subscribers.remove(mine)
        h.close_connection = True


ROUTES = [
    (r"/networks", "GET", r_networks),
    (r"/networks/([^/]+)/graph", "GET", r_graph),
    (r"/datasets", "GET", r_datasets),
    (r"/datasets/([^/]+)/items", "GET", r_items),
    (r"/datasets/([^/]+)/items/(\d+)/image", "GET", r_item_image),
    (r"/networks/([^/]+)/input", "POST", r_set_input),
    (r"/networks/([^/]+)/input/upload", "POST", r_upload),
    (r"/networks/([^/]+)/input\.png", "GET", r_input_png),
    (r"/networks/([^/]+)/activations", "GET", r_activations),
    (r"/networks/([^/]+)/layers/([^/]+)/activations", "GET", r_activations),
    (r"/networks/([^/]+)/classification", "GET", r_classification),
    (r"/networks/([^/]+)/layers/([^/]+)/histograms", "GET", r_histograms),
    (r"/networks/([^/]+)/layers/([^/]+)/export", "GET", r_export),
    (r"/networks/([^/]+)/layers/([^/]+)/featurevis", "POST", r_featurevis),
    (r"/jobs/([^/]+)", "GET", r_job),
    (r"/events", "GET", r_events),
]


def serve(port=0, networks=1) -> tuple[ThreadingHTTPServer, FakeState]:
    """Start the fake server in a daemon thread; returns (server, state). ``port=0`` picks a free port."""
    state = FakeState(networks)
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--networks", type=int, default=1)
    args = ap.parse_args()
    srv, _ = serve(args.port, args.networks)
    print(f"fake layerwalk API on http://127.0.0.1:{srv.server_address[1]}/", flush=True)
    threading.Event().wait()
