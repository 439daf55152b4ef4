"""The batch command on the columnar back end (列式批量评估): the same rows, decided faster.

``riskrules assess --engine columnar`` (and Parquet input by default) reads and rejects units as
the default path does, then decides each chunk of households column-wise
(:class:`~riskrules.columnar.Screener`). A household for which no rule fires and none is
undecided -- most of a county -- has an assessment with nothing in it, so its row is written
from the validated record alone. Every other household, and a seeded sample of the quiet ones,
is assessed the default way (the record model, the rule engines, the explainer), so its row is
the default path's byte for byte; and the columnar outcome is held against that assessment: a
difference rejects the household with an ``engine_error`` naming the rule, as a disagreement
between durable-rules and the plain-Python evaluator does, and the run goes on.
"""

from __future__ import annotations

from typing import Any

from ..assessment import Assessment
from ..errors import EngineError, InvalidRecord, mask_identity
from ..io.units import Unit
from ..pack.admit import admit
from ..pack.pack import RulePack
from .work import Assessor, Settings

__all__ = ["ColumnarAssessor", "SAMPLE_RATE", "SAMPLE_SEED"]

SAMPLE_RATE = 0.001
"""The share of quiet households (nothing fired, nothing undecided) assessed the default way too."""
SAMPLE_SEED = 0


class ColumnarAssessor(Assessor):
    """Assesses chunks of units column-wise; rows identical to :class:`Assessor`'s."""

    def __init__(self, settings: Settings, pack: RulePack | None = None):
        super().__init__(settings, pack)
        from ..columnar.screen import Screener

        # The referee is this class's own check against full assessments (see the module).
        self.screener = Screener(self.pack, settings.as_of, settings.jurisdiction, detail="compact", referee="off")

    def chunk(self, units: list[Unit]) -> list[tuple[bool, bytes, tuple[str, ...]]]:
        import polars as pl

        from ..columnar.referee import sample_mask
        from ..columnar.shape import records_to_batch

        out: list[tuple[bool, bytes, tuple[str, ...]] | None] = [None] * len(units)
        todo = [i for i, u in enumerate(units) if u.record is not None and not u.problems]
        if todo:
            records = [units[i].record for i in todo]
            rows, _ = self.screener.batch(records_to_batch(records), 0, records)
            decided = rows.select("status", "household_id", "fired", "undecided",
                                  sample_mask(pl.col("household_id"), SAMPLE_SEED, SAMPLE_RATE).fill_null(False).alias("__sampled")).rows()
            for i, (status, hid, fired, undecided, sampled) in zip(todo, decided):
                unit = units[i]
                if status != "assessed":
                    continue  # refused: the default path names every problem where it was read
                if not fired and not undecided and not sampled:
                    out[i] = self._quiet(unit)
                else:
                    out[i] = self.assessed(unit, _agreeing(fired, undecided, hid))[0]
        return [r if r is not None else self.one(u) for r, u in zip(out, units)]

    def _quiet(self, unit: Unit) -> tuple[bool, bytes, tuple[str, ...]] | None:
        """The row of a household with nothing fired and nothing undecided: the assessment
        ``assess`` gives it is empty, so only the record is read."""
        s = self.s
        try:
            household, as_of, place = admit(unit.record, s.as_of, s.jurisdiction, self.pack.parameters)  # type: ignore[arg-type]
        except InvalidRecord:
            return None  # the default path rejects it, with each problem located
        a = Assessment._build(household_id=household.household_id, as_of=as_of, jurisdiction=place,
                              rule_pack=self.pack._info, flags=[], signals=[], undecided=[])
        return True, self.encode(unit.row, household, a), ()


def _agreeing(fired: Any, undecided: Any, household_id: Any) -> Any:
    """A check that the full assessment fires and leaves undecided exactly the columnar rules."""
    mine_fired, mine_undecided = set(fired or ()), set(undecided or ())

    def check(a: Assessment) -> None:
        theirs_fired = {f.rule_id for f in (*a.flags, *a.signals)}
        theirs_undecided = {u.rule_id for u in a.undecided}
        differing = sorted((mine_fired ^ theirs_fired) | (mine_undecided ^ theirs_undecided))
        if differing:
            hid = mask_identity(str(household_id))
            raise EngineError(f"the columnar back end and the assessment disagree on household {hid}, rule "
                              f"{', '.join(differing)} / 列式后端与评估结果不一致：户 {hid}，规则 {', '.join(differing)}")

    return check
