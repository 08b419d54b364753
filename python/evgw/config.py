"""Configuration: one TOML file -> attrs classes (cattrs).

Every key and default is in docs/config.md.
"""

from __future__ import annotations

import enum
import tomllib
from pathlib import Path
from typing import Any

import attrs
import cattrs

from evgw.authz._config import AuthzConfig
from evgw.billing._config import BillingConfig
from evgw.maintenance._config import MaintenanceConfig
from evgw.smartcharging._config import SmartChargingConfig


class UnknownChargerPolicy(enum.StrEnum):
    REJECT = "reject"  # refuse the WebSocket upgrade (HTTP 404)
    PENDING = "pending"  # accept without auth, register it, answer BootNotification Pending


class ConfigError(ValueError):
    """The configuration file or a flag is invalid; the message names the key."""


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


# TLS 1.2 suites (OpenSSL names): the four the OCPP security specification requires
# (A00.FR.318: ECDHE-ECDSA-AES128/256-GCM, RSA-AES128/256-GCM; Python's default context omits
# the two TLS_RSA_* ones), then ECDHE-RSA for forward secrecy with an RSA chain. TLS 1.3 suites
# are OpenSSL's defaults (all AEAD).
OCPP_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
    )
)


@attrs.frozen
class CertificateChain:
    certificate: str  # PEM file: the server certificate, then its intermediates
    key: str  # PEM file: its private key


@attrs.frozen
class TlsConfig:
    listen: str = ""  # HOST:PORT of the wss:// listener (security profiles 2 and 3); "" = none
    chains: tuple[CertificateChain, ...] = ()  # one RSA and one ECDSA chain advised
    client_ca: str = ""  # PEM CA bundle client certificates must chain to (profile 3)
    organization: str = ""  # when set, a client certificate's O must equal it (A00.FR.404)
    min_version: str = "TLSv1.2"  # TLSv1.2 | TLSv1.3
    ciphers: str = OCPP_CIPHERS  # TLS 1.2 suites, OpenSSL cipher-list syntax
    handshake_timeout_s: float = 10.0
    reload_interval_s: float = 60.0  # certificate, key and CA files reread when changed; 0 = off
    public_url: str = ""  # wss:// URL chargers are sent on a profile upgrade (without the id)

    @property
    def host_port(self) -> tuple[str, int]:
        return _host_port(self.listen)


@attrs.frozen
class ChargerCaConfig:
    """The CSMS-side CA that signs charger certificates (SignCertificate -> CertificateSigned)."""

    certificate: str = ""  # PEM CA certificate (sent after the charger's certificate); "" = none
    key: str = ""  # PEM private key of that CA
    validity_days: int = 365


@attrs.frozen
class OcppConfig:
    listen: str = "127.0.0.1:9000"
    path_prefix: str = "ocpp"
    versions: tuple[str, ...] = ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")
    max_frame_bytes: int = 65536
    call_timeout_s: float = 30.0
    heartbeat_interval_s: int = 300
    pending_retry_interval_s: int = 60
    unknown_chargers: UnknownChargerPolicy = UnknownChargerPolicy.REJECT
    messages_per_second: float = 20.0
    message_burst: int = 200
    ping_interval_s: float = 60.0
    pong_timeout_s: float = 20.0
    auth_failures_per_minute: int = 10
    shutdown_grace_s: float = 10.0
    spool_dir: str = "spool"
    tls: TlsConfig = TlsConfig()
    charger_ca: ChargerCaConfig = ChargerCaConfig()

    @property
    def host_port(self) -> tuple[str, int]:
        return _host_port(self.listen)


@attrs.frozen
class ApiConfig:
    listen: str = "127.0.0.1:8080"

    @property
    def host_port(self) -> tuple[str, int]:
        return _host_port(self.listen)


@attrs.frozen
class StoreConfig:
    url: str = "sqlite:///evgw.db"


@attrs.frozen
class PluginConfig:
    modules: tuple[str, ...] = ()
    entry_points: bool = True
    timeout_s: float = 1.0


@attrs.frozen
class Config:
    ocpp: OcppConfig = OcppConfig()
    api: ApiConfig = ApiConfig()
    store: StoreConfig = StoreConfig()
    plugins: PluginConfig = PluginConfig()
    smartcharging: SmartChargingConfig = attrs.field(factory=SmartChargingConfig)
    billing: BillingConfig = attrs.field(factory=BillingConfig)
    authz: AuthzConfig = attrs.field(factory=AuthzConfig)
    maintenance: MaintenanceConfig = attrs.field(factory=MaintenanceConfig)
    log_level: str = "INFO"


_converter = cattrs.Converter(forbid_extra_keys=True)


def _validate(cfg: Config) -> Config:
    cfg.ocpp.host_port  # noqa: B018  (raises ConfigError when malformed)
    cfg.api.host_port  # noqa: B018
    unknown = set(cfg.ocpp.versions) - {"ocpp1.6", "ocpp2.0.1", "ocpp2.1"}
    if unknown or not cfg.ocpp.versions:
        raise ConfigError(f"ocpp.versions: unsupported {sorted(unknown)}")
    if not 1024 <= cfg.ocpp.max_frame_bytes <= 16 * 1024 * 1024:
        raise ConfigError("ocpp.max_frame_bytes must be between 1024 and 16777216")
    if cfg.ocpp.call_timeout_s <= 0 or cfg.ocpp.heartbeat_interval_s <= 0:
        raise ConfigError("ocpp.call_timeout_s and ocpp.heartbeat_interval_s must be positive")
    _validate_tls(cfg.ocpp.tls)
    return cfg


def _validate_tls(tls: TlsConfig) -> None:
    if not tls.listen:
        return
    tls.host_port  # noqa: B018
    if not tls.chains:
        raise ConfigError("ocpp.tls.chains: the TLS listener needs at least one certificate chain")
    if tls.min_version not in ("TLSv1.2", "TLSv1.3"):
        raise ConfigError("ocpp.tls.min_version must be TLSv1.2 or TLSv1.3")


def config_from_dict(data: dict[str, Any]) -> Config:
    try:
        return _validate(_converter.structure(data, Config))
    except cattrs.errors.ClassValidationError as exc:
        messages = cattrs.transform_error(exc)
        raise ConfigError("; ".join(messages)) from None


def load_config(path: str | Path | None) -> Config:
    """Read the TOML file (or defaults when `path` is None)."""
    if path is None:
        return config_from_dict({})
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return config_from_dict(data)


def with_overrides(
    cfg: Config, *, db: str | None, ocpp_listen: str | None, api_listen: str | None
) -> Config:
    """Apply the CLI flags `--db`, `--ocpp-listen`, `--api-listen`."""
    if db:
        cfg = attrs.evolve(cfg, store=attrs.evolve(cfg.store, url=db))
    if ocpp_listen:
        cfg = attrs.evolve(cfg, ocpp=attrs.evolve(cfg.ocpp, listen=ocpp_listen))
    if api_listen:
        cfg = attrs.evolve(cfg, api=attrs.evolve(cfg.api, listen=api_listen))
    return _validate(cfg)
