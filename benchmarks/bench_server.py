"""Server speed: "set input + fetch all activations" vs the bare forward pass, payload size, concurrent readers.

    .venv/bin/python benchmarks/bench_server.py [--model torchvision:resnet50] [--repeats 7] [--seconds 30]
        [--readers 16] [--write BENCHMARKS.md]

Starts the real ``layerwalk serve`` on a free loopback port (CPU), measures over HTTP, and prints (or appends to
BENCHMARKS.md under "## Server") the medians and ratios.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layerwalk.api.wire import unpack_activations  # noqa: E402
from tests.api.live import LiveServer  # noqa: E402

_FORWARD_WORKER = """
import sys, time, torch
from layerwalk.data import load_model, noise_image
from layerwalk.engine import Network
bundle = load_model(sys.argv[1], weights=sys.argv[2])
model = bundle.model.eval()
x = Network(bundle, device="cpu").preprocess(noise_image(100, bundle.input_size[1:], bundle.input_size[0]))
def forward():
    with torch.inference_mode():
        t0 = time.perf_counter()
        model(x)
        return time.perf_counter() - t0
# like the server, which runs the forward pass in a worker thread (under CPU contention a non-main thread's
# forward is much faster here than the main thread's: measure it the same way)
from concurrent.futures import ThreadPoolExecutor
pool = ThreadPoolExecutor(1)
print("ready", flush=True)
for _ in sys.stdin:
    print(pool.submit(forward).result(), flush=True)
"""


def bare_forward(spec: str, weights: Path):
    """A closure timing one plain forward pass of the model (inference mode, CPU) in its own idle process, like
    the server's, on the same kind of input the server gets (a preprocessed noise image)."""
    worker = subprocess.Popen([sys.executable, "-c", _FORWARD_WORKER, spec, str(weights)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert worker.stdout.readline().strip() == "ready"

    def run() -> float:
        worker.stdin.write("go\n")
        worker.stdin.flush()
        return float(worker.stdout.readline())

    run.close = lambda: (worker.stdin.close(), worker.wait())  # type: ignore[attr-defined]
    return run


def update(client: httpx.Client, seed: int, encoding: str) -> tuple[float, int, int, int]:
    """One POST noise input + GET all activations: seconds, raw bytes, wire bytes, element count.

    Uses the standard library's HTTP client: httpx parses a 17 MB body in pure Python (≈ 33 ms more than
    urllib here), while the real client, the browser, reads it natively — the server is what is measured.
    """
    import json
    import urllib.request

    base = str(client.base_url)
    t0 = time.perf_counter()
    req = urllib.request.Request(base + "api/networks/n0/input", data=json.dumps({"source": "noise", "seed": seed})
                                 .encode(), headers={"Content-Type": "application/json"})
    v = json.loads(urllib.request.urlopen(req).read())["version"]
    with urllib.request.urlopen(urllib.request.Request(base + "api/networks/n0/activations",
                                                       headers={"Accept-Encoding": encoding})) as r:
        body, headers = r.read(), r.headers  # the bytes on the wire
    dt = time.perf_counter() - t0
    payload = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
    header, arrays = unpack_activations(payload)
    assert header["version"] == v == int(headers["x-input-version"])
    return dt, len(payload), len(body), sum(a.size for a in arrays.values())


def interleaved(client: httpx.Client, spec: str, weights: Path, repeats: int) -> dict:
    """Bare forward, identity update and gzip update measured in turns, so machine load hits all three alike."""
    forward = bare_forward(spec, weights)
    forward(), update(client, 1, "identity"), update(client, 2, "gzip")  # warm-up
    runs: dict[str, list] = {"forward": [], "identity": [], "gzip": []}
    for i in range(repeats):
        runs["forward"].append(forward())
        runs["identity"].append(update(client, 100 + 2 * i, "identity"))
        runs["gzip"].append(update(client, 101 + 2 * i, "gzip"))
    forward.close()
    return {"forward": statistics.median(runs["forward"]),
            "identity": (statistics.median(r[0] for r in runs["identity"]), *runs["identity"][-1][1:]),
            "gzip": (statistics.median(r[0] for r in runs["gzip"]), *runs["gzip"][-1][1:]),
            "ratios_identity": statistics.median(r[0] / f for r, f in zip(runs["identity"], runs["forward"])),
            "ratios_gzip": statistics.median(r[0] / f for r, f in zip(runs["gzip"], runs["forward"]))}


def fixed_weights(spec: str) -> Path:
    """Seeded weights saved to a temporary safetensors file (pretrained ones when torchvision has them cached)."""
    import tempfile

    from safetensors.torch import save_file

    from layerwalk.data import load_model

    torch.manual_seed(0)
    model = load_model(spec).model
    path = Path(tempfile.mkdtemp(prefix="layerwalk-bench-")) / "weights.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


def concurrent_readers(base: str, readers: int, seconds: float, encoding: str) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def read():
        with httpx.Client(base_url=base, timeout=60) as c:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    with c.stream("GET", "/api/networks/n0/activations", headers={"Accept-Encoding": encoding}) as r:
                        size = sum(len(chunk) for chunk in r.iter_raw())
                    ok = r.status_code == 200 and int(r.headers["x-input-version"]) > 0 and size > 0
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    errors[0] += not ok

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]  # noqa: E731
    return {"requests": len(latencies), "errors": errors[0], "p50": pct(0.5), "p99": pct(0.99),
            "rps": len(latencies) / seconds}


class RssSampler:
    """The server's RSS every 0.2 s (``/proc/PID/status``): idle at start, peak while measured, and ``VmHWM``."""

    def __init__(self, pid: int):
        self.pid, self.samples, self._stop = pid, [], threading.Event()
        self.idle = self.read("VmRSS")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def read(self, field: str) -> float:
        with open(f"/proc/{self.pid}/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith(field + ":"))

    def _run(self):
        while not self._stop.wait(0.2):
            self.samples.append(self.read("VmRSS"))

    def stop(self):
        self.hwm = self.read("VmHWM")
        self._stop.set()
        self._thread.join()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="torchvision:resnet50")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--readers", type=int, default=16)
    p.add_argument("--write", type=Path, help="append the results to this markdown file (## Server section)")
    args = p.parse_args()

    weights = fixed_weights(args.model)  # server and bare forward run the very same weights (denormals!)
    live = LiveServer("--model", args.model, "--weights", str(weights), "--dataset", "photos", "--device", "cpu")
    memory = RssSampler(live.proc.pid)
    try:
        with httpx.Client(base_url=live.base, timeout=120) as client:
            timing = interleaved(client, args.model, weights, args.repeats)
        readers = concurrent_readers(live.base, args.readers, args.seconds, "gzip")
        memory.stop()
    finally:
        live.stop()

    lines = report(args, timing, readers, memory)
    print("\n".join(lines))
    if args.write:
        with args.write.open("a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(lines) + "\n")


def report(args, timing, readers, memory) -> list[str]:
    forward = timing["forward"]
    t_id, raw, _, elements = timing["identity"]
    t_gz, _, wire, _ = timing["gzip"]
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} " \
              f"({torch.get_num_threads()} threads), Python {platform.python_version()}"
    return [
        "## Server",
        "",
        f"`.venv/bin/python benchmarks/bench_server.py --model {args.model} --repeats {args.repeats} "
        f"--seconds {args.seconds:g} --readers {args.readers}` — {time.strftime('%Y-%m-%d')}, {machine}; real "
        "`layerwalk serve` on loopback, CPU.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| bare forward pass ({args.model}, 224×224, median of {args.repeats}) | {forward * 1000:.0f} ms |",
        f"| set input + fetch all activations, identity (median of {args.repeats}) | {t_id * 1000:.0f} ms "
        f"= **{timing['ratios_identity']:.2f}×** forward (median of per-round ratios; target ≤ 1.5×) |",
        f"| set input + fetch all activations, gzip (median of {args.repeats}) | {t_gz * 1000:.0f} ms "
        f"= **{timing['ratios_gzip']:.2f}×** forward |",
        f"| payload before compression | {raw:,} B for {elements:,} elements = **{raw / elements:.4f} B/element** "
        "(target ≤ 1.05) |",
        f"| payload gzip on the wire | {wire:,} B ({wire / elements:.3f} B/element) |",
        f"| {args.readers} concurrent readers × {args.seconds:g} s (gzip bytes, not decoded; fixed input) | "
        f"{readers['requests']} requests, "
        f"{readers['rps']:.1f} req/s, p50 {readers['p50'] * 1000:.0f} ms, p99 {readers['p99'] * 1000:.0f} ms, "
        f"**{readers['errors']} errors** |",
        f"| server RSS: idle after start / peak while measured (sampled every 0.2 s) / VmHWM | "
        f"{memory.idle:.0f} MB / **{max(memory.samples):.0f} MB** / {memory.hwm:.0f} MB |",
    ]


if __name__ == "__main__":
    main()
