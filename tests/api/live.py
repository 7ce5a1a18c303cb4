"""Start a real ``layerwalk serve`` subprocess on a free port and find its URL (end-to-end tests, benchmarks)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(self, *args: str, timeout: float = 180):
        cmd = [sys.executable, "-m", "layerwalk.cli", "serve", "--port", "0", *args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.output: list[str] = []
        deadline = time.monotonic() + timeout
        self.url = None
        while self.url is None:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("layerwalk serve did not start:\n" + "".join(self.output))
            self.output.append(line)
            if m := re.search(r"(http://\S+)", line):
                self.url = m.group(1)
        self.base = self.url.split("?")[0]
        self.token = self.url.split("?token=")[1] if "?token=" in self.url else None

    def client(self, **kwargs) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=60, **kwargs)

    def stop(self, timeout: float = 60) -> int:  # generous: a loaded CI box shuts down slowly
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
