"""Server settings: ONE pydantic-settings class, read from CLI flags, ``LAYERWALK_*`` variables and a TOML file.

Precedence: command-line flags (or ``layerwalk.serve`` arguments) > environment > TOML file (``--config FILE`` or
``LAYERWALK_CONFIG``) > defaults. Lists in the environment are JSON: ``LAYERWALK_DATASETS='["photos"]'``.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from layerwalk.errors import SpecError

__all__ = ["Settings", "NetworkSpec", "load_settings", "is_loopback", "is_wildcard", "DEFAULT_PORT"]

CLIENT_DIST = Path(__file__).resolve().parent.parent / "client_dist"
DEFAULT_PORT = 5570
_WILDCARDS = ("0.0.0.0", "::", "[::]", "")


def is_loopback(host: str) -> bool:
    """Literal loopback only: an address in 127.0.0.0/8, ``::1`` (bracketed or IPv4-mapped) or the name
    ``localhost``. A name that merely resolves to loopback (``localhost.example``) is not: DNS can change."""
    host = host.strip().lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def is_wildcard(host: str) -> bool:
    """``0.0.0.0`` / ``::``: every interface, so any name or address of the machine may arrive in ``Host``."""
    return host.strip().lower() in _WILDCARDS


class NetworkSpec(BaseModel):
    """One served network: a model spec, optional weights, optional dataset (a spec or an index into datasets)."""

    model_config = ConfigDict(extra="forbid")

    model: str
    weights: str | None = None
    dataset: str | int | None = None


class Settings(BaseSettings):
    """Everything ``layerwalk serve`` and the HTTP layer need to know.

    >>> Settings(host="127.0.0.2").token is None      # literal loopback: no token
    True
    >>> Settings(host="localhost.example").token is not None
    True
    """

    model_config = SettingsConfigDict(env_prefix="LAYERWALK_", extra="forbid")

    config: Path | None = Field(default=None, description="TOML file with any of these settings")
    networks: list[NetworkSpec] = Field(default=[], description="served networks (default: the demo)")
    datasets: list[str] = Field(default=[], description="dataset specs; network i uses dataset i, or the last one")
    host: str = Field(default="127.0.0.1", description="address to bind; anything but literal loopback gets a token")
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535, description="0 = any free port")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    detail: Literal["layers", "ops"] = Field(default="layers", description="graph detail")
    layout: Literal["auto", "conveyor", "wrap"] = Field(
        default="auto", description="arrangement of the layers: conveyor (one line along -z, the paper's), wrap "
                                    "(that line cut into columns side by side), auto (wrap networks longer than 120 m)")
    auth: bool | None = Field(default=None, description="require the token (default: only off literal loopback)")
    token: str | None = Field(default=None, description="the access token (default: generated when auth is on)")
    allowed_hosts: list[str] = Field(
        default=[], description="extra names accepted in the Host header (a reverse proxy's name), besides loopback "
                                "and --host; '*' accepts any")
    cors_origins: list[str] = Field(
        default=[], description="pages on other origins allowed to call the API (e.g. http://localhost:5173)")
    max_upload_bytes: int = 20 * 1024 * 1024
    max_upload_pixels: int = 40_000_000
    gzip_level: int = Field(default=1, ge=1, le=9)
    compress: Literal["remote", "always", "never"] = Field(
        default="remote", description="activation payloads: compress (zstd, else gzip) for non-loopback clients")
    heartbeat_seconds: float = 15.0
    job_workers: int = 1
    max_pending_jobs: int = 8
    client_dist: Path = CLIENT_DIST
    precomputed: list[Path] = Field(
        default=[],
        description="folders of `layerwalk precompute` runs; each network gets the run made for its weights")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        init_kwargs = getattr(init_settings, "init_kwargs", {})  # an InitSettingsSource: the flags
        return init_settings, env_settings, _TomlFile(settings_cls, init_kwargs)

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        for i, net in enumerate(self.networks):
            if isinstance(net.dataset, int):
                if not 0 <= net.dataset < len(self.datasets):
                    raise ValueError(f"network {i} names dataset index {net.dataset}, but datasets has "
                                     f"{len(self.datasets)} entries")
                net.dataset = self.datasets[net.dataset]
        if self.auth is False:
            self.token = None
        elif self.token is None and (self.auth or not is_loopback(self.host)):
            self.token = secrets.token_urlsafe(24)
        return self

    def accepts_host(self, name: str) -> bool:
        """Whether ``name`` (the Host header without port) may reach this server (DNS-rebinding guard)."""
        name = name.strip().lower().rstrip(".")
        extra = {h.lower() for h in self.allowed_hosts}
        return (is_loopback(name) or is_wildcard(self.host) or "*" in extra or name in extra
                or name == self.host.strip().lower().removeprefix("[").removesuffix("]"))


class _TomlFile(PydanticBaseSettingsSource):
    """The file named by ``config`` (flag or ``LAYERWALK_CONFIG``), read by pydantic-settings' TOML source after
    checking it exists (that source silently skips a missing file, which would hide a typo in the path)."""

    def __init__(self, settings_cls: type[BaseSettings], init_kwargs: dict[str, Any]):
        super().__init__(settings_cls)
        path = init_kwargs["config"] if "config" in init_kwargs else os.environ.get("LAYERWALK_CONFIG")
        self.values: dict[str, Any] = _read_toml(settings_cls, Path(path)) if path else {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:  # __call__ does the work
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.values


def _read_toml(settings_cls: type[BaseSettings], path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SpecError(f"config file {str(path)!r} does not exist; check the path given to --config or "
                        "LAYERWALK_CONFIG")
    try:
        values = TomlConfigSettingsSource(settings_cls, toml_file=path)()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"config file {path} is not valid TOML ({exc}); see `layerwalk serve --help`") from None
    values.pop("config", None)
    return values


def load_settings(**values: Any) -> Settings:
    """``Settings`` from explicit values (flags) over the environment and the TOML file; a mistake anywhere is one
    ``SpecError`` naming the setting, never a pydantic traceback."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        known = ", ".join(Settings.model_fields)
        raise SpecError(f"invalid settings ({problems}); known settings: {known}") from None
