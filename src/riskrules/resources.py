"""Where the bundled data lives: inside the wheel, or in the source tree beside ``src/``."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled"]


def bundled(name: str) -> Path:
    """The bundled folder ``name`` (``rules`` or ``examples``)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / name, here.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the bundled {name}/ folder is missing from this installation")
