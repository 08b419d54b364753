"""Configuration parsing errors name the key; password hashing and generation rules."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from evgw.config import ConfigError, config_from_dict, load_config, with_overrides
from evgw.security import generate_password, hash_password, verify_password


def test_defaults() -> None:
    cfg = load_config(None)
    assert cfg.ocpp.host_port == ("127.0.0.1", 9000)
    assert cfg.store.url.startswith("sqlite:///")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ocpp": {"lisen": "x"}}, "lisen"),
        ({"ocpp": {"listen": "nohost"}}, "HOST:PORT"),
        ({"ocpp": {"max_frame_bytes": "big"}}, "max_frame_bytes"),
        ({"ocpp": {"max_frame_bytes": 10}}, "max_frame_bytes"),
        ({"ocpp": {"versions": ["ocpp9"]}}, "versions"),
        ({"ocpp": {"unknown_chargers": "maybe"}}, "unknown_chargers"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_config_names_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict(data)


def test_toml_file_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "evgw.toml"
    path.write_text('[ocpp]\nlisten = "0.0.0.0:9100"\n[store]\nurl = "sqlite:///x.db"\n')
    cfg = with_overrides(
        load_config(path), db="sqlite:///y.db", ocpp_listen=None, api_listen="127.0.0.1:1"
    )
    assert (cfg.ocpp.listen, cfg.store.url, cfg.api.listen) == (
        "0.0.0.0:9100",
        "sqlite:///y.db",
        "127.0.0.1:1",
    )
    path.write_text("[ocpp\n")
    with pytest.raises(ConfigError):
        load_config(path)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_password_hash_round_trip() -> None:
    stored = hash_password("s3cret-password!")
    assert stored.startswith("scrypt$")
    assert verify_password("s3cret-password!", stored)
    assert not verify_password("s3cret-password?", stored)
    assert not verify_password("x", "garbage")
    assert hash_password("same") != hash_password("same")  # salted


def test_generated_passwords() -> None:
    key16 = generate_password("ocpp1.6")
    assert len(key16) == 40
    assert set(key16) <= set(string.hexdigits.lower())
    pw = generate_password("ocpp2.0.1", 24)
    assert len(pw) == 24
    with pytest.raises(ValueError, match="16 to 40"):
        generate_password("ocpp2.0.1", 8)
