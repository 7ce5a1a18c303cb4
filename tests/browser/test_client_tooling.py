"""The client's own checks run by the test command: `tsc --noEmit`, eslint (client/eslint.config.js) and the
vitest unit tests (client/test/), so a type error, a lint violation or a failing unit test fails the suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "client"


def npm_run(script: str) -> subprocess.CompletedProcess:
    npm = shutil.which("npm")
    assert npm, "npm is not installed: the client's checks need Node.js (scripts/setup installs it)"
    assert (CLIENT / "node_modules").is_dir(), "client/node_modules is missing: run `npm ci` in client/"
    return subprocess.run([npm, "run", "--silent", script], cwd=CLIENT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("script", ["typecheck", "lint", "test"])
def test_client_check_passes(script):
    result = npm_run(script)
    output = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, f"`npm run {script}` in client/ failed:\n{output}"
