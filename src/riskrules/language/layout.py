"""The engine-fact layout (事实布局): the flat fact that both back ends read.

A household is handed to the back ends as one flat mapping of integers, booleans and codes.
This module is the one place that says how each name of the language becomes a key of that
mapping; the fact catalogue writes the keys, the back ends read them.
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = [
    "ZERO",
    "NO_CODE",
    "fact_key",
    "set_member_key",
    "complement_key",
    "collection_count_key",
    "set_parameter_fields",
    "lowered_key",
]

ZERO = "__zero"
"""A field that always holds 0: durable-rules needs a field on the left of a comparison, so two
computed sides are compared as ``0 op (right - left)``."""

NO_CODE = "~"
"""Never a code: compares unequal to every item."""


def fact_key(name: str) -> str:
    """Engine field of a fact or parameter: durable-rules reads dots as nesting, so flatten."""
    return name.replace(".", "__")


def set_member_key(param_name: str, code: str) -> str:
    """Field that holds ``code`` when ``code`` belongs to the set parameter (else ``NO_CODE``)."""
    return f"{fact_key(param_name)}__{code}"


def complement_key(param_name: str, code: str) -> str:
    """Field that holds ``code`` when ``code`` is *not* in the set parameter."""
    return f"{set_member_key(param_name, code)}__not"


def collection_count_key(collection: str) -> str:
    """Field holding the number of items of a collection (``all()`` of none is true)."""
    return f"__n__{fact_key(collection)}"


def set_parameter_fields(param_name: str, domain: tuple[str, ...], members: frozenset[str]) -> dict[str, str]:
    """Engine fields of a set parameter. Both fields exist for every code, because comparing
    with a *missing* ``$m`` field matches at the top level of a durable-rules condition
    (measured), while a field holding ``NO_CODE`` never equals a code."""
    out: dict[str, str] = {}
    for code in domain:
        inside = code in members
        out[set_member_key(param_name, code)] = code if inside else NO_CODE
        out[complement_key(param_name, code)] = NO_CODE if inside else code
    return out


def lowered_key(collection: str, body: Any) -> str:
    """Item field holding a precomputed item condition (see ``durable.LoweredItemTest``)."""
    return "__q_" + hashlib.sha1(repr((collection, body)).encode()).hexdigest()[:12]
