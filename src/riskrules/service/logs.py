"""Log lines without identity numbers (日志脱敏).

The service logs one line per request (method, path, status, time, size: never a record), and
uvicorn logs its own access lines. A path or a query string may still carry an identity number
someone typed, so every record that reaches these loggers, or a handler set up by
:data:`LOG_CONFIG`, is rendered and masked first (``2301**********1234``).
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import mask_identity

__all__ = ["LOGGER_NAMES", "LOG_CONFIG", "MaskIdentity", "install_masking", "logger"]

logger = logging.getLogger("riskrules.service")

LOGGER_NAMES = ("riskrules.service", "uvicorn", "uvicorn.access", "uvicorn.error", "fastapi")


class MaskIdentity(logging.Filter):
    """Renders a record's message and masks every identity-number-like run in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- a broken format string: log what can be shown
            message = str(record.msg)
        record.msg = mask_identity(message)
        record.args = None
        if record.exc_info:
            # The traceback is rendered here, masked, and the exception itself dropped.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_identity(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_identity(record.exc_text)
        return True


_MASK = MaskIdentity()


def install_masking() -> None:
    """Mask every record logged to the service's and uvicorn's loggers (idempotent)."""
    for name in LOGGER_NAMES:
        log = logging.getLogger(name)
        if not any(isinstance(f, MaskIdentity) for f in log.filters):
            log.addFilter(_MASK)
        for handler in log.handlers:
            if not any(isinstance(f, MaskIdentity) for f in handler.filters):
                handler.addFilter(_MASK)


def _handler(stream: str, formatter: str) -> dict[str, Any]:
    return {"class": "logging.StreamHandler", "formatter": formatter, "stream": stream, "filters": ["mask"]}


# uvicorn's own configuration, with the mask on every handler.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask": {"()": "riskrules.service.logs.MaskIdentity"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "access": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "default": _handler("ext://sys.stderr", "default"),
        "access": _handler("ext://sys.stdout", "access"),
    },
    "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "riskrules.service": {"handlers": ["default"], "level": "INFO", "propagate": False},
    },
}
