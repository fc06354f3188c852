"""What a report is about: categories from a table, scored by weighted keywords.

Each keyword counts its weight when it appears in the normalised text; Chinese keywords of
two characters or more also count, a little less, when their pinyin appears, which forgives
homophone typos (垃极 for 垃圾, 路等 for 路灯). Latin keywords match whole words.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from models.text import compact, has_cjk, pinyin_key, words

OTHER = "other"
# The learned reader's confidence needed to send a report to triage as "other" unasked.
OTHER_FLOOR = 0.6
# A learned reading's likeliest real category below this is no hint: all are offered.
HINT = 0.15
PINYIN_FACTOR = 0.8


@dataclass(frozen=True)
class Keyword:
    text: str
    weight: float
    cjk: bool
    compact: str
    pinyin: str | None
    words: str

    @classmethod
    def parse(cls, spec: str) -> Keyword:
        text, _sep, weight = spec.rpartition(":") if ":" in spec else (spec, "", "1")
        cjk = has_cjk(text)
        key = compact(text)
        return cls(
            text=text,
            weight=float(weight),
            cjk=cjk,
            compact=key,
            pinyin=pinyin_key(text) if cjk and len(key) >= 2 else None,
            words=words(text),
        )

    def score(self, text_compact: str, text_pinyin: str, text_words: str) -> float:
        if self.cjk:
            if self.compact in text_compact:
                return self.weight
            if self.pinyin is not None and self.pinyin in text_pinyin:
                return self.weight * PINYIN_FACTOR
            return 0.0
        return self.weight if self.words in text_words else 0.0


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name_zh: str
    name_en: str
    lead: str
    assist: tuple[str, ...] = ()
    deadline_hours: float | None = None
    deadline_working_days: int | None = None
    urgency: str = "normal"
    keywords: tuple[Keyword, ...] = ()
    urgent_keywords: tuple[Keyword, ...] = ()
    urgent_deadline_hours: float | None = None
    raw_keywords: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_toml(cls, entry: dict[str, Any]) -> CategorySpec:
        known = {
            "code",
            "name_zh",
            "name_en",
            "lead",
            "assist",
            "deadline_hours",
            "deadline_working_days",
            "urgency",
            "keywords",
            "urgent_keywords",
            "urgent_deadline_hours",
        }
        unknown = set(entry) - known
        if unknown:
            raise ValueError(f"category {entry.get('code')!r}: unknown keys {sorted(unknown)}")
        if ("deadline_hours" in entry) == ("deadline_working_days" in entry):
            raise ValueError(
                f"category {entry.get('code')!r}: give deadline_hours or deadline_working_days"
            )
        if entry.get("urgency", "normal") not in ("normal", "urgent"):
            raise ValueError(f"category {entry.get('code')!r}: urgency is normal or urgent")
        return cls(
            code=str(entry["code"]),
            name_zh=str(entry["name_zh"]),
            name_en=str(entry["name_en"]),
            lead=str(entry["lead"]),
            assist=tuple(entry.get("assist", [])),
            deadline_hours=entry.get("deadline_hours"),
            deadline_working_days=entry.get("deadline_working_days"),
            urgency=str(entry.get("urgency", "normal")),
            keywords=tuple(Keyword.parse(k) for k in entry.get("keywords", [])),
            urgent_keywords=tuple(Keyword.parse(k) for k in entry.get("urgent_keywords", [])),
            urgent_deadline_hours=entry.get("urgent_deadline_hours"),
            raw_keywords=tuple(entry.get("keywords", [])),
        )


class CategoryError(ValueError):
    """A categories file that cannot be used, in one line naming the file and the entry."""


def _read_table(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise CategoryError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CategoryError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise CategoryError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CategoryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CategoryError(f"{path}: not valid TOML: {exc}") from None


def _override_entries(path: str | Path) -> list[dict[str, Any]]:
    """The file's entries, each checked: a misspelt table name would otherwise change nothing
    without a word."""
    table = _read_table(path)
    unknown = sorted(set(table) - {"categories"})
    if unknown:
        hint = " (the entries are [[categories]])" if "category" in unknown else ""
        raise CategoryError(f"{path}: unknown key {unknown[0]!r}{hint}")
    entries = table.get("categories")
    if not isinstance(entries, list) or not entries:
        raise CategoryError(f"{path}: no [[categories]] entries")
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise CategoryError(f"{path}: categories[{index}]: expected a table")
        if "code" not in entry:
            raise CategoryError(f"{path}: categories[{index}]: required key 'code' is missing")
    return entries


def load_categories(override: str | Path | None = None) -> list[CategorySpec]:
    """The shipped table, with the override file's entries replacing or adding by code."""
    default = files("models") / "data" / "categories.toml"
    with default.open("rb") as fh:
        entries = {e["code"]: e for e in tomllib.load(fh)["categories"]}
    source = "the shipped categories"
    if override:
        source = str(override)
        for entry in _override_entries(override):
            entries[str(entry["code"])] = entry
    specs = []
    for code, entry in entries.items():
        try:
            specs.append(CategorySpec.from_toml(entry))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, KeyError):
                problem = f"required key {exc} is missing"
            else:
                problem = str(exc).removeprefix(f"category {code!r}: ")
            raise CategoryError(f"{source}: category {code!r}: {problem}") from None
    if OTHER not in entries:
        raise CategoryError(f"{source}: the category table needs an 'other' category for triage")
    return specs


@dataclass(frozen=True)
class Verdict:
    ranked: list[tuple[str, float]]  # every category with a score above zero, best first
    urgent: bool
    # A learned reader's probability for its best category and the level it must reach to
    # be taken without asking (models/learned.py); None for the keywords alone.
    confidence: float | None = None
    threshold: float | None = None
    keywords: list[tuple[str, float]] | None = None  # the keyword scores, as the explanation

    @property
    def best(self) -> str:
        return self.ranked[0][0] if self.ranked else OTHER

    @property
    def confident(self) -> bool:
        """A clear winner: take it without asking."""
        if not self.ranked:
            return False
        if self.confidence is not None and self.threshold is not None:
            # "Something is wrong here" reads as other as surely as a lost dog does: the
            # resident is asked what it is, unless the text is clearly about nothing the
            # categories name (see needed).
            return self.confidence >= (self.needed or self.threshold)
        top = self.ranked[0][1]
        second = self.ranked[1][1] if len(self.ranked) > 1 else 0.0
        return top >= 2 and top >= 1.5 * second

    @property
    def needed(self) -> float | None:
        """The confidence this reading needed to be taken unasked (learned readings)."""
        if self.threshold is None:
            return None
        return max(self.threshold, OTHER_FLOOR) if self.best == OTHER else self.threshold

    def choices(self, n: int = 3) -> list[str]:
        """The likeliest categories to offer (not other); none when the reading gives no
        hint worth offering, and the caller offers them all."""
        if self.confidence is None:
            return [code for code, _score in self.ranked[:n] if code != OTHER]
        real = [(code, p) for code, p in self.ranked if code != OTHER]
        if not real or real[0][1] < HINT:
            return []
        return [code for code, p in real[:n] if p >= HINT / 3]


class Classifier:
    def __init__(self, categories: Sequence[CategorySpec]) -> None:
        self.categories = {c.code: c for c in categories}

    def classify(self, text: str) -> Verdict:
        text_compact, text_pinyin, text_words = compact(text), pinyin_key(text), words(text)
        ranked = []
        for spec in self.categories.values():
            score = sum(k.score(text_compact, text_pinyin, text_words) for k in spec.keywords)
            if score > 0:
                ranked.append((spec.code, round(score, 2)))
        ranked.sort(key=lambda pair: -pair[1])
        top = self.categories[ranked[0][0]] if ranked else None
        urgent = top is not None and spec_urgent(top, text_compact, text_pinyin, text_words)
        return Verdict(ranked, urgent)

    def is_urgent(self, spec: CategorySpec, text: str) -> bool:
        return spec_urgent(spec, compact(text), pinyin_key(text), words(text))


def spec_urgent(spec: CategorySpec, text_compact: str, text_pinyin: str, text_words: str) -> bool:
    if spec.urgency == "urgent":
        return True
    return any(k.score(text_compact, text_pinyin, text_words) for k in spec.urgent_keywords)
