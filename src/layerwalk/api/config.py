"""Server settings: one pydantic-settings class (environment variables ``LAYERWALK_*`` override defaults)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CLIENT_DIST = Path(__file__).resolve().parent.parent / "client_dist"


class Settings(BaseSettings):
    """Everything the HTTP layer needs to know; the CLI and ``layerwalk.serve`` fill it in."""

    model_config = SettingsConfigDict(env_prefix="LAYERWALK_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 5570
    token: str | None = Field(default=None, description="required on every request when set (non-loopback hosts)")
    max_upload_bytes: int = 20 * 1024 * 1024
    max_upload_pixels: int = 40_000_000
    gzip_level: int = Field(default=1, ge=1, le=9)
    compress: Literal["remote", "always", "never"] = Field(
        default="remote", description="activation payloads: compress (zstd, else gzip) for non-loopback clients")
    heartbeat_seconds: float = 15.0
    job_workers: int = 1
    max_pending_jobs: int = 8
    client_dist: Path = CLIENT_DIST
    cors_origins: list[str] = []
