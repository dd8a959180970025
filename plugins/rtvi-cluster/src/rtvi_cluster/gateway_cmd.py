"""``rtvi gateway --cluster URL [--port P] [--host H]``: serve a cluster's entry point (:mod:`.gateway`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rtvi_core.cli.run_cmd import port_number

from .dispatch import SECRET_VARIABLE


class GatewayCommand:
    """The ``rtvi gateway`` sub-command."""

    name = "gateway"

    def register(self, subparsers: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(
            "gateway",
            help="serve a cluster's entry point: POST /start dispatched to its workers (rtvi run --cluster)",
            description="Answer POST /start by reserving a slot on the least-loaded worker of the cluster whose "
            "Redis is at URL, with that worker's wsUrl and a token bound to it; GET /health shows the cluster, "
            "GET /metrics its /start outcomes. The workers are `rtvi run BOT --cluster URL` with the same secret.",
        )
        parser.add_argument("--cluster", metavar="URL", required=True, help="the cluster's Redis: redis://HOST:6379/0")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
        parser.add_argument("--port", type=port_number, default=7860, help="port to listen on (default: 7860; 0 = any)")
        parser.add_argument("--name", default="default", help="the cluster's name (the workers' [cluster] name)")
        parser.add_argument("--secret", help=f"the cluster's token secret, >= 16 bytes (default: ${SECRET_VARIABLE})")
        parser.add_argument("--token-ttl", type=float, default=30.0, help="seconds a token (and its slot) is held")
        parser.add_argument(
            "--start-rate-limit", type=float, default=10.0, help="POST /start per second per client address; 0 = none"
        )
        parser.add_argument(
            "--allow-origin", action="append", default=[], help="a browser origin allowed to call /start (repeat)"
        )
        parser.add_argument("--allow-host", action="append", default=[], help="a Host name served (repeat)")
        return parser

    def run(self, args: argparse.Namespace) -> int:
        import anyio
        from pydantic import ValidationError

        from rtvi_core.cli.app import EXIT_OK, CommandError
        from rtvi_core.config.errors import readable_error
        from rtvi_core.server.cluster import ClusterUnavailable
        from rtvi_core.server.config import ServerConfig
        from rtvi_core.server.limits import ServerSettings
        from rtvi_core.server.tokens import TokenSigner

        from .gateway import Gateway
        from .plugin import RedisClusterConfig
        from .store import ClusterStore

        try:
            cluster = RedisClusterConfig(
                redis_url=args.cluster, name=args.name, secret=args.secret or "", token_ttl_secs=args.token_ttl
            )
            server = ServerConfig(
                allowed_origins=tuple(args.allow_origin),
                allowed_hosts=tuple(args.allow_host),
                start_rate_limit=args.start_rate_limit,
            )
        except ValidationError as exc:
            problems = "; ".join(readable_error(error) for error in exc.errors())
            raise CommandError(f"rtvi gateway: {problems}") from None
        settings = ServerSettings(**server.model_dump())
        store = ClusterStore(cluster.redis_url, cluster.name, timeout_secs=cluster.redis_timeout_secs)
        gateway = Gateway(
            store, TokenSigner(cluster.secret, cluster.token_ttl_secs), settings, host=args.host, port=args.port
        )

        def listening(host: str, port: int) -> None:
            print(
                f"rtvi: gateway of cluster {cluster.name!r} — listening on http://{host}:{port}",
                file=sys.stderr,
                flush=True,
            )

        try:
            anyio.run(lambda: gateway.serve(on_listening=listening), backend="asyncio")
        except ClusterUnavailable as exc:
            raise CommandError(f"cannot reach the cluster: {exc}") from None
        except OSError as exc:
            raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
        return EXIT_OK
