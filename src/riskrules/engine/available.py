"""Which decision engines this Python has (可用引擎).

durable-rules 2.0.28, its last release, builds and imports on Python 3.10-3.12 only: on 3.13
its C extension fails at import (undefined symbol ``PyEval_CallObject``; the upstream fix is
merged but unreleased). Where it imports, every assessment is decided by the plain-Python
evaluator and cross-checked by durable-rules; where it does not, by the plain-Python
evaluator alone, which is the same compiled rule IR and gives the same answers (the
differential tests hold the two to it wherever both run).
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Literal

__all__ = ["Engine", "ENGINES", "durable_available", "durable_import_error", "resolve_engine"]

Engine = Literal["auto", "durable", "python"]
ENGINES: tuple[str, ...] = ("auto", "durable", "python")


@lru_cache(maxsize=1)
def durable_import_error() -> str | None:
    """Why durable-rules' C core cannot be imported here, or None when it can."""
    try:
        importlib.import_module("durable_rules_engine")
    except Exception as e:  # an ImportError, or a broken build failing at import
        return f"{type(e).__name__}: {e}"
    return None


def durable_available() -> bool:
    return durable_import_error() is None


def resolve_engine(engine: str) -> Literal["durable", "python"]:
    """``auto`` is durable-rules where it imports, else plain Python; ``durable`` where it does
    not import is an error naming why."""
    from ..errors import EngineError

    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "python":
        return "python"
    if durable_available():
        return "durable"
    if engine == "durable":
        raise EngineError(f"durable-rules cannot be imported on this Python ({durable_import_error()}); "
                          "use engine='python' or 'auto'")
    return "python"
