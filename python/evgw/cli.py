"""`evgw serve | demo | token create | migrate` — see `evgw --help`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

import trio

from evgw import __version__
from evgw._gc import tune_for_server
from evgw.config import Config, ConfigError, load_config, with_overrides
from evgw.domain import Role

log = logging.getLogger("evgw")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evgw",
        description="evgw: EV charging network management (OCPP CSMS). "
        "Docs: README.md and docs/ (config reference: docs/config.md).",
    )
    parser.add_argument("--version", action="version", version=f"evgw {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", metavar="FILE", help="TOML configuration file")
        p.add_argument("--db", metavar="URL", help="store URL (sqlite:///path or postgresql://…)")
        return p

    serve = with_config(sub.add_parser("serve", help="run the OCPP gateway and the operator API"))
    serve.add_argument("--ocpp-listen", metavar="HOST:PORT", help="OCPP WebSocket listener")
    serve.add_argument("--api-listen", metavar="HOST:PORT", help="operator API listener")

    demo = sub.add_parser("demo", help="gateway on embedded SQLite with a simulated fleet")
    demo.add_argument("--db", metavar="URL", default="sqlite:///evgw-demo.db")
    demo.add_argument("--chargers", type=int, default=50, help="simulated chargers (default 50)")
    demo.add_argument("--seconds", type=float, default=0, help="stop after this long (0: Ctrl-C)")

    with_config(sub.add_parser("migrate", help="apply database migrations and exit"))

    token = sub.add_parser("token", help="operator API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = with_config(token_sub.add_parser("create", help="print a new API bearer token"))
    create.add_argument("--role", choices=[r.value for r in Role], required=True)
    create.add_argument("--label", default="", help="what the token is for")
    return parser


def _config(args: argparse.Namespace) -> Config:
    cfg = load_config(getattr(args, "config", None))
    return with_overrides(
        cfg,
        db=getattr(args, "db", None),
        ocpp_listen=getattr(args, "ocpp_listen", None),
        api_listen=getattr(args, "api_listen", None),
    )


async def _serve(cfg: Config) -> None:
    from evgw.app import Server  # noqa: PLC0415

    server = Server(cfg)
    async with trio.open_nursery() as nursery:
        endpoints = await nursery.start(server.run)
        tune_for_server()
        host, _ = cfg.ocpp.host_port
        api_host, _ = cfg.api.host_port
        print(f"OCPP:    ws://{host}:{endpoints.ocpp_port}/{cfg.ocpp.path_prefix}/<chargePointId>")
        print(f"API:     http://{api_host}:{endpoints.api_port}/api/v1 (OpenAPI: /openapi.json)")
        print(f"Metrics: http://{api_host}:{endpoints.api_port}/metrics")
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                print("shutting down (draining connections)…", file=sys.stderr)
                server.stop()
                break


async def _migrate(cfg: Config) -> None:
    from evgw.store import migrate  # noqa: PLC0415

    applied = await migrate(cfg.store.url)
    print(f"applied migrations: {applied or 'none (up to date)'}")


async def _token_create(cfg: Config, role: str, label: str) -> None:
    from evgw.api import create_api_token  # noqa: PLC0415
    from evgw.store import open_store  # noqa: PLC0415

    store = await open_store(cfg.store.url)
    try:
        secret = await create_api_token(store, Role(role), label)
    finally:
        await store.aclose()
    print(secret)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        cfg = _config(args) if args.command != "demo" else None
    except ConfigError as exc:
        print(f"evgw: configuration error: {exc}", file=sys.stderr)
        return 2
    level = cfg.log_level if cfg else "INFO"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve" and cfg:
        trio.run(_serve, cfg)
    elif args.command == "migrate" and cfg:
        trio.run(_migrate, cfg)
    elif args.command == "token" and cfg:
        trio.run(_token_create, cfg, args.role, args.label)
    elif args.command == "demo":
        from evgw.demo import run_demo  # noqa: PLC0415

        return run_demo(db=args.db, chargers=args.chargers, seconds=args.seconds)
    return 0
