"""Where one server update's time goes: the real ``layerwalk serve`` with timers around its steps.

    .venv/bin/python benchmarks/profile_server_update.py [--model torchvision:resnet50] [--rounds 9]

Like ``bench_server.py`` (same seeded weights, same worker process for the bare forward pass, same ``urllib``
client), but the server runs with timers around the recording pass (``CapturedModel.run``), ``Network.set_input``,
the payload's encoding (``Snapshot.encoded_block`` and the per-layer ``encode`` inside it) and the header
(``pack_activation_parts``), and the client times the POST, the GET until its headers and the GET's body apart.
Prints the medians (ms). Run it through the quiet benchmark queue; the numbers are in BENCHMARKS.md ("Server").
"""

from __future__ import annotations

import argparse
import collections
import functools
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def serve_with_timers(argv: list[str], log_path: str) -> int:
    """``layerwalk serve`` with each step's duration appended to ``log_path`` as ``step milliseconds``."""
    network, captured, snapshot, wire = (importlib.import_module(f"layerwalk.{m}") for m in (
        "engine.network", "capture.captured", "engine.snapshot", "api.wire"))
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - open for the server's lifetime
    lock = threading.Lock()

    def timed(owner, name: str, step: str) -> None:
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            result = fn(*args, **kwargs)
            with lock:
                log.write(f"{step} {1000 * (time.perf_counter() - t0):.2f}\n")
            return result

        setattr(owner, name, wrapper)

    encode_total = [0.0]
    encode = snapshot.encode

    def summed_encode(*args, **kwargs):
        t0 = time.perf_counter()
        result = encode(*args, **kwargs)
        encode_total[0] += time.perf_counter() - t0
        return result

    snapshot.encode = summed_encode
    block = snapshot.Snapshot.encoded_block

    def encoded_block(self, ids):
        encode_total[0] = 0.0
        result = block(self, ids)
        with lock:
            log.write(f"encode_all_layers {1000 * encode_total[0]:.2f}\n")
        return result

    snapshot.Snapshot.encoded_block = encoded_block
    timed(captured.CapturedModel, "run", "recording_pass")
    timed(network.Network, "set_input", "set_input")
    timed(snapshot.Snapshot, "encoded_block", "encoded_block")
    timed(wire, "pack_activation_parts", "header")
    from layerwalk.cli import main

    return main(argv)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="torchvision:resnet50")
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--serve-with-timers", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)  # the child
    args = p.parse_args()
    if args.serve_with_timers is not None:
        sys.exit(serve_with_timers(args.serve_with_timers, os.environ["LAYERWALK_TIMERS"]))

    import bench_server

    weights = bench_server.fixed_weights(args.model)
    log_path = Path(tempfile.mkdtemp(prefix="layerwalk-profile-")) / "timers.log"
    log_path.touch()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve-with-timers", "serve", "--port", "0", "--model", args.model,
         "--weights", str(weights), "--dataset", "photos", "--device", "cpu"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "LAYERWALK_TIMERS": str(log_path), "PYTHONUNBUFFERED": "1"})
    for line in server.stdout:
        if match := re.search(r"(http://\S+)", line):
            base = match.group(1).split("?")[0]
            break
    else:
        raise SystemExit("layerwalk serve did not start")
    forward = bench_server.bare_forward(args.model, weights)

    def post(seed: int) -> float:
        t0 = time.perf_counter()
        request = urllib.request.Request(base + "api/networks/n0/input", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"source": "noise", "seed": seed}).encode())
        urllib.request.urlopen(request).read()
        return time.perf_counter() - t0

    def get() -> tuple[float, float]:
        t0 = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(base + "api/networks/n0/activations",
                                                           headers={"Accept-Encoding": "identity"})) as r:
            t1 = time.perf_counter()
            r.read()
        return t1 - t0, time.perf_counter() - t1

    try:
        forward(), post(1), get()  # warm-up
        log_path.write_text("")
        client = collections.defaultdict(list)
        for i in range(args.rounds):
            client["bare forward (worker process)"].append(forward())
            client["POST input"].append(post(100 + i))
            headers, body = get()
            client["GET all activations: until headers"].append(headers)
            client["GET all activations: body"].append(body)
            client["update (POST + GET)"].append(client["POST input"][-1] + headers + body)
    finally:
        forward.close()
        server.terminate()
        server.wait(60)
    for step, times in client.items():
        print(f"client {step:<40} {1000 * statistics.median(times):7.1f} ms")
    steps = collections.defaultdict(list)
    for line in log_path.read_text().splitlines():
        step, ms = line.split()
        steps[step].append(float(ms))
    for step, times in steps.items():
        print(f"server {step:<40} {statistics.median(times):7.1f} ms  (n={len(times)})")


if __name__ == "__main__":
    main()
