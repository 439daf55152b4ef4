"""Checks of the record's identifiers (编号): no identity number as an id, no duplicate member.

Neither check ever quotes the id or the identity number it refuses: a problem points at the
path and names the other member by its position, since either value may be personal data.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Protocol, Sequence

from pydantic_core import PydanticCustomError

from .problems import bilingual_error
from .values import ResidentId, contains_identity_number


class Identified(Protocol):
    """What the duplicate check reads of a member."""

    @property
    def member_id(self) -> str: ...

    @property
    def id_number(self) -> ResidentId | None: ...

__all__ = ["id_key", "refuse_identity_number", "duplicate_errors"]


def id_key(member_id: str) -> str:
    """The form two member ids are compared in: "m1", " m1", "M1" and "ｍ１" are one id.

    NFKC folds full-width and other compatibility forms and case folding ignores case; the
    second NFKC normalises again because case folding may leave text that is not in NFKC.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", member_id).casefold()).strip()


def refuse_identity_number(value: str) -> str:
    """``value`` unchanged, unless it is or holds a resident identity number."""
    if contains_identity_number(value):
        raise bilingual_error("id_is_identity_number", "编号不能使用居民身份证号码",
                              "an id must not be a resident identity number")
    return value


def duplicate_errors(members: Sequence[Identified]) -> list[tuple[tuple[str | int, ...], PydanticCustomError]]:
    """Every member whose id, or verified identity number, an earlier member already has.

    Each error is located at ``(index, field)`` inside the list and names the earlier member
    as "member n" counted from 1, with its 0-based path for those who read paths.
    """
    errors: list[tuple[tuple[str | int, ...], PydanticCustomError]] = []
    first_id: dict[str, int] = {}
    first_number: dict[Any, int] = {}
    for i, m in enumerate(members):
        earlier = first_id.setdefault(id_key(m.member_id), i)
        if earlier != i:
            errors.append(((i, "member_id"), bilingual_error(
                "duplicate_member", f"成员编号重复：与第{earlier + 1}名成员重复（members[{earlier}]）",
                f"duplicate member id: same as member {earlier + 1} (members[{earlier}])")))
        # A masked number cannot be compared: two different people may share the mask.
        if m.id_number is not None and m.id_number.verified:
            earlier = first_number.setdefault(m.id_number, i)
            if earlier != i:
                errors.append(((i, "id_number"), bilingual_error(
                    "duplicate_id_number", f"身份证号码重复：与第{earlier + 1}名成员重复（members[{earlier}]）",
                    f"duplicate identity number: same as member {earlier + 1} (members[{earlier}])")))
    return errors
