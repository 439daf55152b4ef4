"""``riskrules serve``: run the service on uvicorn."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..pack.pack import load_rules
from .app import Settings, create_app
from .logs import LOG_CONFIG

__all__ = ["app_from_environment", "serve", "write_openapi"]

# What a worker process reads when uvicorn starts several (each builds its own app).
_ENV = "RISKRULES_SERVICE"


def app_from_environment():  # type: ignore[no-untyped-def]
    """The application configured by ``riskrules serve`` through the environment (a factory
    for uvicorn's worker processes)."""
    conf = json.loads(os.environ.get(_ENV, "{}"))
    values = conf.get("settings", {})
    if "cors_origins" in values:
        values["cors_origins"] = tuple(values["cors_origins"])
    settings = Settings(**values)
    return create_app(rules=conf.get("rules"), settings=settings)


def serve(*, rules: str | None, host: str, port: int, workers: int = 1, max_body: int | None = None,
          max_batch: int | None = None, timeout: float | None = None, log_level: str = "info", http: str = "h11",
          allow_origins: list[str] | None = None) -> int:
    import uvicorn

    settings = Settings()
    changes: dict[str, Any] = {k: v for k, v in {"max_body": max_body, "max_batch": max_batch, "timeout": timeout}.items()
                               if v is not None}
    if max_body is not None:
        changes["max_batch_body"] = max(max_body, settings.max_batch_body)
    if allow_origins:
        changes["cors_origins"] = tuple(allow_origins)
    settings = replace(settings, **changes)
    rules = str(Path(rules).resolve()) if rules else None
    # h11, not httptools: httptools drops the body of a request that offers an HTTP/2 upgrade
    # ("Upgrade: h2c", sent by Java's HttpClient by default; uvicorn issue #2722).
    common: dict[str, Any] = {"host": host, "port": port, "http": http, "log_config": LOG_CONFIG, "log_level": log_level,
              "access_log": False, "timeout_keep_alive": 5, "limit_concurrency": 256, "proxy_headers": False,
              "server_header": False}
    if workers > 1:
        load_rules(rules)  # a broken pack is reported here, once, not by every worker
        os.environ[_ENV] = json.dumps({"rules": rules, "settings": changes})
        uvicorn.run("riskrules.service.run:app_from_environment", factory=True, workers=workers, **common)
    else:
        uvicorn.run(create_app(rules=rules, settings=settings), **common)
    return 0


def write_openapi(path: str, *, rules: str | None = None, max_batch: int | None = None) -> int:
    """Write the OpenAPI document (the one ``GET /openapi.json`` serves) to ``path`` or stdout."""
    from .app import openapi_document

    settings = Settings() if max_batch is None else replace(Settings(), max_batch=max_batch)
    text = json.dumps(openapi_document(settings, load_rules(rules)), ensure_ascii=False, indent=2) + "\n"
    if path == "-":
        print(text, end="")
    else:
        Path(path).write_text(text, encoding="utf-8")
    return 0
