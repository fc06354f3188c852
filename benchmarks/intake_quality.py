"""How well intake reads reports it was never tuned on: categories across streets, alleys.

    python -m benchmarks.intake_quality                  cross-street (train on the other streets)
    python -m benchmarks.intake_quality --holdout        the held-back set, once, model on all
    python -m benchmarks.intake_quality --misses         and list what was read wrong

The labelled reports (models/data/intake_examples.tsv, shipped: they train the reader)
cover the sample street and seven made-up ones (rosters in benchmarks/data/streets/),
written in residents' registers by writers who never saw the classifier. Cross-street: for
each street, a model trained on the other streets' reports (its threshold set on their
held-back folds) reads this street's. The category aim counts top-1 where the bot does not
ask. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from models import migrate
from models.classify import Classifier, load_categories
from models.db import Database
from models.learned import Example, Model, read_examples, shipped_examples, train
from models.members import street_by_code
from models.places import PlaceIndex, load_places
from models.reading import load_file, save_file
from models.roster import import_roster
from models.roster_spec import load_roster

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = ROOT / "benchmarks" / "data" / "intake_holdout.tsv"
REGISTERS = ROOT / "benchmarks" / "data" / "intake_registers.tsv"
ROSTERS = [
    ROOT / "bot" / "examples" / "nanxing.roster.toml",
    *sorted((ROOT / "benchmarks" / "data" / "streets").glob("*.roster.toml")),
]
REGISTER_NAMES = {
    "eld": "elderly, spoken",
    "dia": "dialect words",
    "typo": "typos, homophones",
    "long": "long complaints",
    "short": "short",
    "en": "English",
    "py": "pinyin",
    "mix": "Chinese-English",
    "addr": "house numbers, landmarks",
    "ind": "indirect",
    "kid": "young people's slang",
    "wx": "WeChat forwards",
    "-": "the sample street's set",
}


@dataclass
class Reading:
    example: Example
    register: str
    best: str
    confidence: float
    asks: bool
    keyword_best: str
    alley: str | None = None


@dataclass
class Result:
    readings: list[Reading] = field(default_factory=list)
    seconds_per_text: float = 0.0
    reading_seconds: float = 0.0  # in the learned reader alone

    def _share(self, rows: Sequence[Reading], test: str) -> float:
        if not rows:
            return float("nan")
        if test == "top1":
            return sum(r.best == r.example.category for r in rows) / len(rows)
        if test == "kept":
            kept = [r for r in rows if not r.asks]
            return sum(r.best == r.example.category for r in kept) / len(kept) if kept else 1.0
        if test == "asks":
            return sum(r.asks for r in rows) / len(rows)
        if test == "keywords":
            return sum(r.keyword_best == r.example.category for r in rows) / len(rows)
        return sum(r.alley == r.example.alley for r in rows) / len(rows)

    def figures(self, rows: Sequence[Reading] | None = None) -> dict[str, float]:
        rows = self.readings if rows is None else rows
        return {k: self._share(rows, k) for k in ("top1", "kept", "asks", "keywords", "alley")}


def registers() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in REGISTERS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, register = line.rsplit("\t", 1)
            table[text] = register
    return table


def holdout() -> list[tuple[Example, str]]:
    rows = []
    for line in HOLDOUT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            *fields, register = line.split("\t")
            rows.append((read_examples("\t".join(fields))[0], register))
    return rows


async def street_places() -> dict[str, PlaceIndex]:
    """Each street's alleys, as the bot knows them after importing its roster."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'quality.db'}"
        migrate.upgrade(url)
        database = Database(url)
        try:
            indexes = {}
            async with database.session() as session:
                for path in ROSTERS:
                    spec = load_roster(path)
                    await import_roster(session, spec, now=datetime.now(UTC))
            async with database.session() as session:
                for path in ROSTERS:
                    code = load_roster(path).street.code
                    street = await street_by_code(session, code)
                    assert street is not None and street.id is not None
                    indexes[code] = await load_places(session, street_ids=[street.id])
            return indexes
        finally:
            await database.dispose()


def read_all(
    model: Model,
    classifier: Classifier,
    places: dict[str, PlaceIndex],
    rows: Sequence[tuple[Example, str]],
) -> Result:
    """Each text read as intake reads it: alley names taken out, the street's alleys found."""
    result = Result()
    started = time.perf_counter()
    for example, register in rows:
        index = places[example.street]
        text = index.without_names(example.text)
        reading_started = time.perf_counter()
        verdict = model.read(text)
        result.reading_seconds += time.perf_counter() - reading_started
        found = index.in_text(example.text)
        result.readings.append(
            Reading(
                example,
                register,
                verdict.best,
                verdict.confidence or 0.0,
                not verdict.confident,
                classifier.classify(text).best,
                found[0].place.code if len(found) == 1 else None,
            )
        )
    result.seconds_per_text = (time.perf_counter() - started) / max(1, len(rows))
    return result


def cross_streets(classifier: Classifier, places: dict[str, PlaceIndex]) -> Result:
    examples = shipped_examples()
    by_register = registers()
    total = Result()
    for street in sorted({e.street for e in examples}):
        trained = train([e for e in examples if e.street != street], classifier)
        rows = [(e, by_register.get(e.text, "-")) for e in examples if e.street == street]
        part = read_all(trained, classifier, places, rows)
        total.readings += part.readings
        total.seconds_per_text = part.seconds_per_text
        total.reading_seconds += part.reading_seconds
    return total


def report(result: Result, classifier: Classifier, misses: bool) -> None:
    def line(name: str, rows: Sequence[Reading]) -> str:
        f = result.figures(rows)
        return (
            f"| {name} | {len(rows)} | {f['top1']:.1%} | {f['kept']:.1%} | {f['asks']:.1%} "
            f"| {f['keywords']:.1%} | {f['alley']:.1%} |"
        )

    header = (
        "| {} | texts | top-1 | top-1 where it does not ask | asks | keywords alone | alley |\n"
        "|---|---|---|---|---|---|---|"
    )
    print(header.format("street"))
    streets: dict[str, list[Reading]] = defaultdict(list)
    kinds: dict[str, list[Reading]] = defaultdict(list)
    for r in result.readings:
        streets[r.example.street].append(r)
        kinds[r.register].append(r)
    for street, rows in sorted(streets.items()):
        print(line(street, rows))
    print(line("**all**", result.readings))
    print()
    print(header.format("register"))
    for register, rows in sorted(kinds.items(), key=lambda kv: REGISTER_NAMES.get(kv[0], kv[0])):
        print(line(REGISTER_NAMES.get(register, register), rows))
    print()
    codes = sorted(classifier.categories)
    short = {c: "".join(w[0] for w in c.split("_")) if "_" in c else c[:3] for c in codes}
    confusion = Counter((r.example.category, r.best) for r in result.readings)
    print("| true \\ read | " + " | ".join(short[c] for c in codes) + " |")
    print("|---" * (len(codes) + 1) + "|")
    for truth in codes:
        cells = [str(confusion[(truth, read)] or "·") for read in codes]
        print(f"| {truth} ({short[truth]}) | " + " | ".join(cells) + " |")
    print()
    per_text = result.reading_seconds / max(1, len(result.readings))
    print(
        f"time to read one text: {per_text * 1000:.2f} ms in the learned reader, "
        f"{result.seconds_per_text * 1000:.2f} ms with the alley and the keywords alone"
    )
    if misses:
        for r in result.readings:
            if r.best != r.example.category and not r.asks:
                print(f"{r.example.street} [{r.register}] {r.example.text}")
                print(f"    read {r.best} ({r.confidence:.2f}), want {r.example.category}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", action="store_true", help="measure the held-back set")
    parser.add_argument("--misses", action="store_true", help="list what was read wrong")
    args = parser.parse_args()
    classifier = Classifier(load_categories())
    places = asyncio.run(street_places())
    started = time.perf_counter()
    if args.holdout:
        model = train(shipped_examples(), classifier)
        trained_in = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as folder:
            kept = Path(folder) / "model.pickle"
            save_file(model, kept)
            load_started = time.perf_counter()
            load_file(kept, classifier)
            print(f"model loaded from its file in {time.perf_counter() - load_started:.3f} s")
        result = read_all(model, classifier, places, holdout())
        print(f"model trained on {model.examples} reports in {trained_in:.1f} s")
        print(f"threshold {model.threshold:.2f}\n")
    else:
        result = cross_streets(classifier, places)
        print(f"cross-street, {time.perf_counter() - started:.0f} s\n")
    report(result, classifier, args.misses)


if __name__ == "__main__":
    main()
