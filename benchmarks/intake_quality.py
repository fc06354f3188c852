"""How well intake reads reports: category top-1 and alley accuracy on a labelled set.

    python -m benchmarks.intake_quality [--misses]

The set (benchmarks/data/reports.tsv) was written for LaneKeeper: colloquial Chinese with
typos, and some English, over the alleys of the sample roster. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from models import migrate
from models.classify import Classifier, load_categories
from models.db import Database
from models.intake import Intake
from models.places import PlaceIndex, load_places
from models.roster import import_roster
from models.roster_spec import load_roster

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "reports.tsv"
ROSTER = ROOT / "bot" / "examples" / "nanxing.roster.toml"


@dataclass(frozen=True)
class Sample:
    category: str
    alley: str | None
    text: str


@dataclass
class Result:
    total: int = 0
    category_hits: int = 0
    alley_hits: int = 0
    misses: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def category_accuracy(self) -> float:
        return self.category_hits / self.total

    @property
    def alley_accuracy(self) -> float:
        return self.alley_hits / self.total


def samples(path: Path = DATA) -> list[Sample]:
    result = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, alley, text = line.split("\t", 2)
        result.append(Sample(category, None if alley == "-" else alley, text))
    return result


async def sample_places() -> PlaceIndex:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'quality.db'}"
        migrate.upgrade(url)
        database = Database(url)
        try:
            async with database.session() as session:
                await import_roster(session, load_roster(ROSTER), now=datetime.now(UTC))
            async with database.session() as session:
                return await load_places(session)
        finally:
            await database.dispose()


def measure(places: PlaceIndex, data: list[Sample] | None = None) -> Result:
    intake = Intake(Classifier(load_categories()), places)
    result = Result()
    started = time.perf_counter()
    for sample in data or samples():
        verdict, found = intake.explain(sample.text)
        alley = found[0].code if len(found) == 1 else None
        result.total += 1
        category_ok = verdict.best == sample.category
        alley_ok = alley == sample.alley
        result.category_hits += category_ok
        result.alley_hits += alley_ok
        if not (category_ok and alley_ok):
            result.misses.append(
                f"{sample.text}\n    category {verdict.best} (want {sample.category}) "
                f"{verdict.ranked[:3]}; alley {[p.code for p in found]} (want {sample.alley})"
            )
    result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list what was read wrong")
    args = parser.parse_args()
    result = measure(asyncio.run(sample_places()))
    print(f"texts: {result.total}")
    print(
        f"category top-1 accuracy: {result.category_accuracy:.1%} "
        f"({result.category_hits}/{result.total})"
    )
    print(f"alley accuracy: {result.alley_accuracy:.1%} ({result.alley_hits}/{result.total})")
    print(f"time per text: {result.seconds / result.total * 1000:.2f} ms")
    if args.misses:
        print("\n".join(result.misses))


if __name__ == "__main__":
    main()
