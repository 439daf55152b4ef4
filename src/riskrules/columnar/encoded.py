"""Engine facts of selected households, rebuilt from the columns (列式结果还原为事实).

The flags of a household the columnar back end decided are explained by the pack's own
explainer (:class:`~riskrules.pack.explain.FlagBuilder`), so their text is ``assess``'s, byte
for byte. The explainer reads an :class:`~riskrules.pack.encode.Encoded`: the flat engine fact
(day ordinals, fen, codes, item rows with their known fields only), the parameters in force and
those in force when each deadline started. This module rebuilds exactly that from the columns,
only for the households that need it; a test holds it equal to the encoder's own fact.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

import polars as pl

from ..language.columnar import ITEM_PREFIX
from ..language.layout import ZERO, collection_count_key, fact_key
from ..pack.encode import Encoded
from ..pack.parameters import ParameterValue
from .decide import Decided, Decider
from .normalise import H
from .parameters import PLACE

__all__ = ["encoded_facts"]

_EPOCH = date(1970, 1, 1).toordinal()


def _engine(value: Any) -> Any:
    if isinstance(value, date):
        return value.toordinal()
    return value


def encoded_facts(decider: Decider, decided: Decided, households: Iterable[int]) -> dict[int, Encoded]:
    """The :class:`Encoded` of each household row ``households`` (``__h``) decided column-wise."""
    wanted = pl.Series(H, sorted(set(households)), dtype=pl.Int64)
    if not len(wanted):
        return {}
    keys = [fact_key(n) for n in decider.fact_names]
    periods = [(pd.name, key) for pd, _, key in decider.deadlines.periods]
    rows = decided.facts.filter(pl.col(H).is_in(wanted.implode())).select(H, PLACE, "__chain", *keys, *[k for _, k in periods])
    items: dict[str, dict[int, list[dict[str, Any]]]] = {}
    counts: dict[str, str] = {}
    for coll, table in decided.children.items():
        counts[coll] = collection_count_key(coll)
        per: dict[int, list[dict[str, Any]]] = {}
        fields = [c for c in table.columns if c.startswith(ITEM_PREFIX)]
        for r in table.filter(pl.col(H).is_in(wanted.implode())).sort(H, "__i").iter_rows(named=True):
            per.setdefault(r[H], []).append({f[len(ITEM_PREFIX):]: _engine(r[f]) for f in fields if r[f] is not None})
        items[coll] = per
    n_items = decided.facts.filter(pl.col(H).is_in(wanted.implode())).select(
        H, *[pl.col(c) for c in decided.facts.columns if c.endswith(".__n")])
    known = {r[H]: r for r in n_items.iter_rows(named=True)}
    out: dict[int, Encoded] = {}
    as_of = decider.as_of.toordinal()
    for r in rows.iter_rows(named=True):
        h = r[H]
        place = decider.places.place(r[PLACE])
        fact: dict[str, Any] = {"as_of": as_of}
        for key in keys:
            value = r[key]
            if value is not None:
                fact[key] = _engine(value)
        for coll, per in items.items():
            count_col = _COUNT_COLUMNS[coll]
            if known[h].get(count_col) is None:
                continue  # the collection was not collected
            rows_of = per.get(h, [])
            fact[fact_key(coll)] = rows_of
            fact[counts[coll]] = len(rows_of)
        fact[ZERO] = 0
        fact.update(place.fields or {})
        period_used: dict[str, dict[str, ParameterValue]] = {}
        bounded: dict[str, int] = {}
        for name, key in periods:
            value = r[key]
            if value is None:
                continue
            pd = decider.pack.ruleset.periods[name]
            start = r[fact_key(pd.start)]
            deadline = decider.deadlines.deadline(name, place.chain, start.toordinal())
            fact[key] = deadline.end
            period_used[name] = dict(deadline.used or {})
            if deadline.bounded is not None:
                bounded[name] = deadline.bounded
        out[h] = Encoded(fact, place.used, period_used, bounded)
    return out


_COUNT_COLUMNS = {"members": "members.__n", "shocks": "shocks.__n", "measures": "assistance_measures.__n"}
