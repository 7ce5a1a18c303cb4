"""Soak: the server's RSS over minutes of mixed load (issue: safe to leave running — bound or leak?).

    .venv/bin/python benchmarks/bench_soak.py [--model torchvision:resnet50] [--minutes 10] [--writers 8]
        [--readers 16] [--warmup 2] [--env NAME=VALUE …]

Starts the real ``layerwalk serve`` on a free LOOPBACK port (CPU; nothing leaves the machine), then for
``--minutes``: ``--writers`` threads set new inputs (noise seeds and dataset images) and ``--readers`` threads read
what a client reads — all activations (identity and gzip), one layer's activations and its atlas PNG, the
classification and the input image. The load is bounded: a fixed number of threads, one request each at a time.
The server's RSS (/proc/PID/status) is sampled every ``--every`` seconds. Prints the samples, the RSS at the end
of the warm-up, the maximum after it and the slope after it (MB per minute, least squares); ``--env`` passes
environment variables to the server (e.g. ``MALLOC_ARENA_MAX=16`` to compare allocator settings).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.live import LiveServer  # noqa: E402


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def server_pid(live: LiveServer) -> int:
    """The serving process: ``layerwalk serve`` itself (no reloader or workers)."""
    return live.proc.pid


def writer(base: str, stop: threading.Event, counts: dict, lock: threading.Lock, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=300) as c:
        while not stop.is_set():
            body = ({"source": "noise", "seed": rng.randrange(10**6)} if rng.random() < 0.5
                    else {"source": "dataset", "dataset": "d0", "index": rng.randrange(8)})
            _count(counts, lock, c.post("/api/networks/n0/input", json=body))


def reader(base: str, stop: threading.Event, counts: dict, lock: threading.Lock, seed: int, layers: list[str]):
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=300) as c:
        while not stop.is_set():
            kind = rng.random()
            if kind < 0.4:
                enc = "identity" if rng.random() < 0.5 else "gzip"
                with c.stream("GET", "/api/networks/n0/activations", headers={"Accept-Encoding": enc}) as r:
                    for _ in r.iter_raw():
                        pass
            else:
                lid = rng.choice(layers)
                path = rng.choice([f"/api/networks/n0/layers/{lid}/activations",
                                   f"/api/networks/n0/layers/{lid}/activations.png",
                                   "/api/networks/n0/classification", "/api/networks/n0/input.png"])
                r = c.get(path)
            _count(counts, lock, r)


def _count(counts, lock, r):
    with lock:
        counts["requests"] += 1
        counts["errors"] += r.status_code >= 400


def drain(live: LiveServer) -> None:
    """Keep reading the server's output so a full pipe never blocks it during a long run."""
    for line in live.proc.stdout:
        if "Traceback" in line or "ERROR" in line:
            live.output.append(line)


def slope(samples: list[tuple[float, float]]) -> float:
    """Least-squares MB per minute."""
    ts, ms = [t / 60 for t, _ in samples], [m for _, m in samples]
    mt, mm = statistics.fmean(ts), statistics.fmean(ms)
    den = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (m - mm) for t, m in zip(ts, ms)) / den if den else 0.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="torchvision:resnet50")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2, help="minutes before the RSS is expected to be flat")
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--readers", type=int, default=16)
    p.add_argument("--every", type=float, default=10, help="seconds between RSS samples")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server's environment")
    args = p.parse_args()
    if args.minutes > 15:
        p.error("--minutes ≤ 15: this is a bounded benchmark")

    env = dict(e.split("=", 1) for e in args.env)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # LiveServer passes os.environ to the server
    try:
        live = LiveServer("--model", args.model, "--dataset", "photos", "--device", "cpu", "--host", "127.0.0.1")
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    threading.Thread(target=drain, args=(live,), daemon=True).start()
    pid = server_pid(live)
    samples: list[tuple[float, float]] = []
    counts, lock, stop = {"requests": 0, "errors": 0}, threading.Lock(), threading.Event()
    try:
        with httpx.Client(base_url=live.base, timeout=60) as c:
            graph = c.get("/api/networks/n0/graph").json()
        layers = [n["id"] for n in graph["nodes"] if len(n["shape"]) == 3 and n["kind"] not in ("input", "output")]
        rss_idle = rss_mb(pid)
        threads = [threading.Thread(target=writer, args=(live.base, stop, counts, lock, i)) for i in
                   range(args.writers)]
        threads += [threading.Thread(target=reader, args=(live.base, stop, counts, lock, 100 + i, layers)) for i in
                    range(args.readers)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        while (now := time.monotonic() - t0) < args.minutes * 60:
            samples.append((now, rss_mb(pid)))
            print(f"{now:6.0f} s  RSS {samples[-1][1]:7.0f} MB  requests {counts['requests']}  "
                  f"errors {counts['errors']}", flush=True)
            time.sleep(args.every)
        stop.set()
        for t in threads:
            t.join(300)
    finally:
        live.stop()
    report(args, env, rss_idle, samples, counts)


def report(args, env, rss_idle, samples, counts) -> None:
    after = [(t, m) for t, m in samples if t >= args.warmup * 60]
    at_warm = after[0][1] if after else float("nan")
    print(f"\nmodel {args.model}, {args.writers} writers + {args.readers} readers, {args.minutes:g} min, "
          f"env {env or 'default'}")
    print(f"RSS idle {rss_idle:.0f} MB; end of warm-up ({args.warmup:g} min) {at_warm:.0f} MB; "
          f"max after warm-up {max(m for _, m in after):.0f} MB; max overall {max(m for _, m in samples):.0f} MB; "
          f"slope after warm-up {slope(after):+.1f} MB/min; last {samples[-1][1]:.0f} MB")
    print(f"requests {counts['requests']}, errors {counts['errors']}")


if __name__ == "__main__":
    main()
