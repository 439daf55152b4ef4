"""``riskrules serve``: the HTTP service (FastAPI on uvicorn) and its reference intake page.

Needs the ``service`` extra (``pip install 'riskrules[service]'``). See docs/service.md.
"""

from __future__ import annotations

import argparse

from .common import CommandError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API and the intake page (needs riskrules[service])", parents=[common])
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1; each loads the pack)")
    p.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                   help="largest request body accepted (default 1 MiB; 8 MiB for a batch)")
    p.add_argument("--max-batch", type=int, default=None, metavar="N", help="most records in one batch (default 100)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="time limit of one request (default 10)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--http", default="h11", choices=["h11", "httptools", "auto"],
                   help="HTTP/1.1 parser (default h11: httptools loses the body of a request offering an h2c upgrade, "
                        "as Java's HttpClient does)")
    p.add_argument("--allow-origin", action="append", default=None, metavar="ORIGIN",
                   help="let a browser form served from ORIGIN (https://forms.example.org) call the API (CORS); repeatable")
    p.add_argument("--write-openapi", metavar="PATH", default=None,
                   help="write the OpenAPI document to PATH ('-' for standard output) and exit, e.g. docs/openapi.json")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from ..service.run import serve, write_openapi
    except ImportError as e:  # fastapi or uvicorn missing
        raise CommandError(f"riskrules serve needs the service extra: pip install 'riskrules[service]' ({e.name} is missing) / "
                           f"需要安装 service 依赖") from None
    if args.write_openapi:
        return write_openapi(args.write_openapi, rules=args.rules, max_batch=args.max_batch)
    return serve(rules=args.rules, host=args.host, port=args.port, workers=args.workers, max_body=args.max_body,
                 max_batch=args.max_batch, timeout=args.timeout, log_level=args.log_level, http=args.http,
                 allow_origins=args.allow_origin)
