"""Parameters and deadlines as join tables (参数表与期限表), resolved as the fact encoder resolves them.

A household's parameters depend only on its jurisdiction (on one as-of date), so they are worked
out once per distinct jurisdiction of a batch, by the encoder's own resolution (the most specific
prefix with a value in force, the latest value not after the date), and joined to the
households as columns. A deadline's last day depends only on its start day and the values in
force then, so it is worked out once per distinct (jurisdiction, start day) by the encoder's own
period arithmetic and working-day calendar, and joined the same way. Anything the encoder would
refuse -- an as-of date before a jurisdiction's first values, a start day whose calendar year
the pack lacks and that a comparison needs -- is marked, and such a household goes the slow way
for its exact problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

import polars as pl

from ..deadlines.calendar import CalendarNotCovered
from ..errors import InvalidRecord, MissingParameter
from ..facts.derive import school_year_cutoff
from ..language.columnar import set_flag_column
from ..language.layout import fact_key, set_member_key
from ..pack.admit import LAST_DAY
from ..pack.compile import ROLL_FORWARD
from ..pack.encode import _UNCOVERED_MARGIN
from ..pack.parameters import ParameterValue
from ..pack.pack import RulePack

__all__ = ["PlaceTable", "DeadlineTable", "PLACE", "CHAIN", "SCHOOL_CUTOFF", "COMPULSORY_FROM"]

PLACE = "__place"           # the jurisdiction whose parameters apply (the caller's, or the region code)
CHAIN = "__chain"           # its prefixes that have values of their own: households alike in it share every value
SCHOOL_CUTOFF = "__school_cutoff"     # the enrolment cut-off of the school year the as-of date falls in
COMPULSORY_FROM = "__compulsory_from"  # the first compulsory school age


@dataclass
class _Place:
    chain: tuple[str, ...]
    fields: dict[str, Any] | None           # engine values of the parameters; None when refused
    used: Mapping[str, ParameterValue] = field(default_factory=dict)


class PlaceTable:
    """Per jurisdiction: the parameter columns, and whether the entrance check accepts the date."""

    def __init__(self, pack: RulePack, as_of: date):
        self.pack = pack
        self.as_of = as_of
        self._encoder = pack._encoder
        self._places: dict[str, _Place] = {}
        self._blocks: dict[tuple[str, ...], tuple[dict[str, Any], Mapping[str, ParameterValue]] | None] = {}
        decls = pack.parameters.decls
        self._names = sorted(pack._plan.reads_params)
        self._sets = [(n, decls[n].domain) for n in self._names if decls[n].type == "text_set"]
        self._plain = [n for n in self._names if decls[n].type not in ("text_set", "period", "month_day")]
        self._types = {n: pl.Boolean if decls[n].type == "bool" else pl.Int64 for n in self._plain}

    def place(self, code: str) -> _Place:
        known = self._places.get(code)
        if known is None:
            known = self._places[code] = self._resolve(code)
        return known

    def _resolve(self, code: str) -> _Place:
        params = self.pack.parameters
        chain = params.canonical(code)
        # The entrance check: the pack's parameters must all be in force on the as-of date.
        if not params.first_day(code) <= self.as_of <= LAST_DAY:
            return _Place(chain, None)
        block = self._blocks.get(chain, ())
        if block == ():
            try:
                block = self._encoder._block(chain, self.as_of)
            except MissingParameter:
                block = None
            self._blocks[chain] = block  # type: ignore[assignment]
        if block is None:
            return _Place(chain, None)
        fields, used = block  # type: ignore[misc]
        return _Place(chain, fields, used)

    def frame(self, codes: list[str]) -> pl.DataFrame:
        """One row per jurisdiction code: ``__place``, ``__chain``, ``__place_ok``, every
        parameter the rules read (text sets as one boolean per code), the school cut-off."""
        rows: dict[str, list[Any]] = {PLACE: [], CHAIN: [], "__place_ok": [], SCHOOL_CUTOFF: [], COMPULSORY_FROM: []}
        for n in self._plain:
            rows[fact_key(f"params.{n}")] = []
        for n, domain in self._sets:
            for code in domain:
                rows[set_flag_column(f"params.{n}", code)] = []
        for code in codes:
            p = self.place(code)
            rows[PLACE].append(code)
            rows[CHAIN].append("|".join(p.chain))
            rows["__place_ok"].append(p.fields is not None)
            fields = p.fields or {}
            for n in self._plain:
                rows[fact_key(f"params.{n}")].append(fields.get(fact_key(f"params.{n}")))
            for n, domain in self._sets:
                for c in domain:
                    rows[set_flag_column(f"params.{n}", c)].append(fields.get(set_member_key(f"params.{n}", c)) == c
                                                                  if p.fields is not None else None)
            cutoff = p.used.get("school_year_cutoff")
            rows[SCHOOL_CUTOFF].append(school_year_cutoff(self.as_of, cutoff.value.month, cutoff.value.day) if cutoff else None)
            first = p.used.get("compulsory_age_from")
            rows[COMPULSORY_FROM].append(int(first.value) if first else None)
        schema: dict[str, Any] = {PLACE: pl.String, CHAIN: pl.String, "__place_ok": pl.Boolean, SCHOOL_CUTOFF: pl.Date,
                                  COMPULSORY_FROM: pl.Int64}
        for n in self._plain:
            schema[fact_key(f"params.{n}")] = self._types[n]
        for n, domain in self._sets:
            for c in domain:
                schema[set_flag_column(f"params.{n}", c)] = pl.Boolean
        return pl.DataFrame(rows, schema=schema)

    def used(self, code: str) -> Mapping[str, ParameterValue]:
        return self.place(code).used


@dataclass(frozen=True)
class Deadline:
    """The last day of one period for one (jurisdiction, start day), as the encoder counts it."""

    end: int | None                            # ordinal; None when refused
    used: Mapping[str, ParameterValue] | None
    bounded: int | None = None                 # a calendar year the pack lacks, when the end is its earliest day


class DeadlineTable:
    """Per deadline period and distinct (jurisdiction, start day): its last day."""

    def __init__(self, pack: RulePack, as_of: date):
        self.pack = pack
        self.as_of = as_of
        self._encoder = pack._encoder
        self._known: dict[tuple[str, str, int], Deadline] = {}
        periods = pack.ruleset.periods
        self.periods = [(periods[name], fact_key(periods[name].start), fact_key(name)) for name in sorted(pack._plan.reads_periods)]

    def deadline(self, period: str, chain: tuple[str, ...], start: int) -> Deadline:
        key = (period, "|".join(chain), start)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._count(period, chain, start)
        return known

    def _count(self, period: str, chain: tuple[str, ...], start: int) -> Deadline:
        enc = self._encoder
        pd = self.pack.ruleset.periods[period]
        in_force = enc._start_block(pd, chain, start)
        if isinstance(in_force, InvalidRecord):
            return Deadline(None, None)
        length = in_force[pd.length].value
        roll = bool(in_force[ROLL_FORWARD].value) if ROLL_FORWARD in in_force else False
        try:
            return Deadline(enc._period_end(start, length.amount, length.unit, roll), in_force)
        except CalendarNotCovered:
            pass
        # As the encoder does: the earliest possible last day decides every comparison with a
        # date up to the as-of date while it lies far enough ahead; otherwise the household is
        # refused (the slow way names the calendar file to add).
        earliest = enc._earliest_day(start, length.amount, length.unit)
        if earliest > self.as_of.toordinal() + _UNCOVERED_MARGIN:
            return Deadline(earliest, in_force, date.fromordinal(earliest).year)
        return Deadline(None, None)

    def frame(self, period: str, pairs: pl.DataFrame, start_col: str, end_col: str) -> pl.DataFrame:
        """For each distinct (``__chain``, start) of ``pairs``: the end (a date), and whether it
        was refused (``end_col + '__bad'``)."""
        ends: list[Any] = []
        bad: list[bool] = []
        for chain_key, start in pairs.iter_rows():
            d = self.deadline(period, tuple(chain_key.split("|")), start.toordinal())
            ends.append(None if d.end is None else date.fromordinal(d.end))
            bad.append(d.end is None)
        return pairs.with_columns(pl.Series(end_col, ends, dtype=pl.Date), pl.Series(end_col + "__bad", bad, dtype=pl.Boolean))
