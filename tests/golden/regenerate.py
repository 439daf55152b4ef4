"""Write ``digests.txt``: the SHA-256 of each golden household's assessment JSON.

Run only when a change is *meant* to change assessments (a policy change), and say so in the
commit: ``python tests/golden/regenerate.py``. A refactoring must leave the file unchanged.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from population import population  # noqa: E402

EXAMPLE_DATES = (date(2022, 7, 31), date(2021, 6, 30), date(2023, 3, 1), date(2026, 11, 29))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def lines() -> list[str]:
    import riskrules

    pack = riskrules.load_rules()
    out = []
    for name, record in sorted(riskrules.load_examples().items()):
        for as_of in EXAMPLE_DATES:
            try:
                text = pack.assess(record, as_of=as_of).model_dump_json()
            except riskrules.InvalidRecord as e:
                text = "invalid " + " ".join(p.path + ":" + p.code for p in e.problems)
            out.append(f"example:{name} {as_of} {digest(text)}")
    for record, as_of in population():
        text = pack.assess(record, as_of=as_of).model_dump_json()
        out.append(f"{record['household_id']} {as_of} {digest(text)}")
    return out


if __name__ == "__main__":
    (HERE / "digests.txt").write_text("\n".join(lines()) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'digests.txt'}")
