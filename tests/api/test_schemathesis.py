"""Property-based run of schemathesis against the live server's /openapi.json: bounded, zero 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .live import LiveServer

pytestmark = pytest.mark.slow

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance,negative_data_rejection")
MAX_SECONDS = 90
# Not the "coverage" phase: on Python 3.11.7 its generated-code path sometimes dies inside schemathesis with
# CPython's "SystemError: AST constructor recursion depth mismatch" (a runtime error of the tool, not a server
# response; seen twice in full-suite runs on 2026-12-03, never in isolation). Examples, fuzzing and stateful
# phases still send every operation generated and invalid data.
PHASES = "examples,fuzzing,stateful"


def test_schemathesis_finds_no_server_errors(tmp_path):
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    live = LiveServer()
    try:
        exclude = ["events"]  # SSE streams never end: covered by test_e2e
        config = Path(__file__).parent / "st" / "schemathesis.toml"
        cmd = [st, "--config-file", str(config), "run", live.base + "openapi.json", "--checks", CHECKS,
               "--exclude-path-regex", "|".join(exclude),
               "--phases", PHASES, "--max-time", str(MAX_SECONDS), "--workers", "2", "--seed", "1"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=MAX_SECONDS + 120, cwd=tmp_path)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    finally:
        live.stop()
