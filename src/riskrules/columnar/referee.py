"""The referee (复核): households decided column-wise, decided again by the durable path.

Which households: a seeded random sample of all of them (the share ``rate``), and -- unless
asked for the sample only -- every household with a flag or an undecided rule. The sample is
drawn by a hash of the seed and the household id, so it is the same whatever the batch size,
the partitions or the machines. The durable path is ``pack.outcomes(engine="durable")``
(durable-rules' C core on the record, validated and encoded anew) where durable-rules imports,
and the plain-Python path elsewhere (:attr:`Referee.engine` says which). Any disagreement is an
:class:`~riskrules.errors.EngineError` naming the household and the rule: never a silent answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

import polars as pl

from ..errors import EngineError, InvalidRecord, mask_identity
from ..pack.pack import RulePack

__all__ = ["Referee", "REFEREE_MODES", "sample_mask", "sampled"]

REFEREE_MODES = ("flagged", "sample", "off")


def sample_mask(household_id: pl.Expr, seed: int, rate: float) -> pl.Expr:
    """Whether the seeded sample of share ``rate`` takes each household, by a hash of its id
    (the same for a given seed and Polars version, whatever the batches or partitions)."""
    if rate <= 0:
        return pl.lit(False)
    if rate >= 1:
        return pl.lit(True)
    return household_id.cast(pl.String).hash(seed=seed) < pl.lit(int(rate * 2**64), dtype=pl.UInt64)


def sampled(household_id: Any, seed: int, rate: float) -> bool:
    """:func:`sample_mask` for one household."""
    return bool(pl.select(sample_mask(pl.lit(str(household_id)), seed, rate)).item())


class Referee:
    """Re-decides households by the durable path and compares every rule's outcome."""

    def __init__(self, pack: RulePack, as_of: date, jurisdiction: str | None, *, mode: str = "flagged",
                 rate: float = 0.001, seed: int = 0):
        if mode not in REFEREE_MODES:
            raise EngineError(f"unknown referee mode {mode!r}: one of {', '.join(REFEREE_MODES)}")
        if not 0 <= rate <= 1:
            raise EngineError(f"the referee's sample rate must be from 0 to 1, not {rate}")
        self.pack = pack
        self.as_of = as_of
        self.jurisdiction = jurisdiction
        self.mode = mode
        self.rate = rate
        self.seed = seed
        #: the back end that re-decides: "durable" where durable-rules runs, else "python"
        self.engine = "durable" if "durable" in pack.engines else "python"
        self.checked = 0

    def chosen(self, household_id: pl.Expr, flagged: pl.Expr, undecided: pl.Expr) -> pl.Expr:
        """Which households to re-decide: the sample, and the flagged or undecided ones."""
        if self.mode == "off":
            return pl.lit(False)
        sample = sample_mask(household_id, self.seed, self.rate)
        return sample | flagged | undecided if self.mode == "flagged" else sample

    def check(self, record: Any, household_id: Any, outcomes: Mapping[str, bool | None]) -> None:
        """Decide ``record`` again and compare with the columnar ``outcomes`` (by rule id)."""
        try:
            theirs = self.pack.outcomes(record, self.as_of, self.jurisdiction, engine=self.engine)
        except InvalidRecord as e:  # the fast checks let through a record the model refuses
            hid = mask_identity(str(household_id))
            raise EngineError(f"the columnar back end decided household {hid}, which the record model refuses "
                              f"({', '.join(p.path for p in e.problems)}) / 列式后端判定了记录模型拒绝的户 {hid}") from None
        self.checked += 1
        for rule_id, mine in outcomes.items():
            other = theirs[rule_id]
            # durable-rules has no "undecided": a rule it did not fire reads False.
            same = (mine is True) == (other is True) if self.engine == "durable" else mine is other
            if not same:
                raise EngineError(
                    f"the columnar back end and the {self.engine} path disagree on household "
                    f"{mask_identity(str(household_id))}, rule {rule_id}: columnar {_word(mine)}, {self.engine} {_word(other)} "
                    f"/ 列式后端与{self.engine}判定不一致：户 {mask_identity(str(household_id))}，规则 {rule_id}")


def _word(value: bool | None) -> str:
    return "fired" if value is True else "undecided" if value is None else "not fired"
