"""The intake's readers kept in the database: the shipped model and each street's own.

A model is the bytes of a trained reader (models/learned.py) with what is known of it:
when and from how many examples it was trained, its threshold, and how well it read the
reports held back from it. The shipped model is trained from the package's labelled
reports the first time a deployment starts with them and kept, so later starts only load
it; a street's model is trained from the shipped set and the street's own corrections
(`retrain`), and replaces the one in force only if it reads the street's held-back
corrections at least as well. Older rows are kept, inactive.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import ts_column, utcnow
from models.cases import Case, CaseAction, CaseEvent
from models.classify import Classifier, Verdict
from models.learned import FORMAT, Example, Model, digest_of, loads, shipped_examples, train

log = logging.getLogger(__name__)

# A street's own examples count for more than the shipped ones: they are its words, and
# a handful of them must be able to outweigh what 1,600 reports from elsewhere say.
STREET_WEIGHT = 8.0
# Every fourth correction (by its event's id) is held back to judge a new model.
HOLD_BACK_EVERY = 4


class IntakeModel(SQLModel, table=True):
    __tablename__ = "intake_model"

    id: int | None = Field(default=None, primary_key=True)
    # Always a street's: the shipped model is derived from the package alone (and cached in
    # cache_dir()); the column may hold it one day for deployments without a cache folder.
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    active: bool = Field(default=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    digest: str = Field(sa_type=sa.String(32))  # of the examples it was trained on
    library: str = Field(sa_type=sa.String(32))  # the bytes' format: see _library
    examples: int = 0
    street_examples: int = 0
    threshold: float = 0.5
    accuracy: float | None = None  # held-back, where it did not ask
    asks: float | None = None  # share of held-back reports it would ask about
    street_accuracy: float | None = None  # on the street's held-back corrections
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))


def _library() -> str:
    """What wrote a model's bytes: their format (models.learned.FORMAT), not scikit-learn's
    version, which only training needs."""
    return f"format {FORMAT}"


def _known(row: IntakeModel) -> dict[str, object]:
    return {
        "threshold": row.threshold,
        "examples": row.examples,
        "street_examples": row.street_examples,
        "accuracy": row.accuracy,
        "asks": row.asks,
        "trained_at": row.created_at,
        "digest": row.digest,
    }


def _row(model: Model, street_id: int | None, now: datetime) -> IntakeModel:
    return IntakeModel(
        street_id=street_id,
        created_at=now,
        digest=model.digest,
        library=_library(),
        examples=model.examples,
        street_examples=model.street_examples,
        threshold=model.threshold,
        accuracy=model.accuracy,
        asks=model.asks,
        data=model.dumps(),
    )


class Readers:
    """The models in force: the shipped one and the streets' own. Read from the database
    at start and after a retraining; `verdict` never touches the database."""

    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier
        self.shipped: Model | None = None
        self.streets: dict[int, Model] = {}

    def model_for(self, street_id: int | None) -> Model | None:
        if street_id is not None and street_id in self.streets:
            return self.streets[street_id]
        return self.shipped

    def verdict(self, text: str, street_id: int | None = None) -> Verdict:
        """The learned reading where a model is in force, else the keywords'."""
        model = self.model_for(street_id)
        if model is None:
            return self.classifier.classify(text)
        return model.read(text)

    async def load(self, session: AsyncSession, now: datetime) -> None:
        """The shipped model (trained on a first start, then from the cache folder) and the
        streets' models in force.

        A street's row that cannot be read (corrupt, or written by another scikit-learn) is
        set aside with one warning: the street is read by the shipped model until it is
        retrained.
        """
        examples = shipped_examples()
        self.shipped = await _train_shipped(self.classifier, examples, now)
        self.streets = {}
        rows = (
            await session.exec(
                select(IntakeModel).where(
                    col(IntakeModel.active), col(IntakeModel.street_id).is_not(None)
                )
            )
        ).all()
        library = _library()
        for row in rows:
            assert row.street_id is not None
            try:
                if row.library != library:
                    raise ValueError(f"kept in {row.library}, not {library}")
                self.streets[row.street_id] = loads(row.data, self.classifier, **_known(row))
            except ValueError as exc:
                log.warning("intake model %s cannot be read (%s): set aside", row.id, exc)
                row.active = False
                session.add(row)
        await session.commit()


async def _train_shipped(
    classifier: Classifier, examples: Sequence[Example], now: datetime
) -> Model:
    import asyncio

    # Seconds of CPU: off the event loop, which serves every chat.
    return await asyncio.to_thread(_shipped_model, classifier, tuple(examples), now)


_SHIPPED_CACHE: dict[tuple[int, str], Model] = {}  # trained models share no state


def cache_dir() -> Path:
    """Where trained shipped models are kept between processes (derived data only: a
    missing or unreadable file is trained again)."""
    root = os.environ.get("LANEKEEPER_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(root) / "lanekeeper" if root else Path.home() / ".cache" / "lanekeeper"


def _cache_key(classifier: Classifier, examples: Sequence[Example]) -> tuple[tuple[int, str], Path]:
    table = tuple((c.code, c.raw_keywords) for c in classifier.categories.values())
    key = (hash(table), digest_of(list(examples)))
    name = hashlib.sha256(repr((table, key[1], _library())).encode()).hexdigest()[:20]
    return key, cache_dir() / f"intake-model-{name}.pickle"


def shipped_ready(classifier: Classifier) -> bool:
    """Whether the shipped model can be loaded rather than trained (a first start trains)."""
    key, path = _cache_key(classifier, shipped_examples())
    return key in _SHIPPED_CACHE or path.exists()


def _shipped_model(classifier: Classifier, examples: tuple[Example, ...], now: datetime) -> Model:
    """Trained once per table and examples: in this process, then from the cache folder,
    else trained (seconds) and written there."""
    key, path = _cache_key(classifier, examples)
    if key in _SHIPPED_CACHE:
        return _SHIPPED_CACHE[key]
    model = None
    if path.exists():
        try:
            model = load_file(path, classifier)
        except (OSError, ValueError) as exc:
            log.warning("intake model cache %s cannot be read (%s): training again", path, exc)
    if model is None:
        log.info("training the intake reader from %d shipped reports", len(examples))
        model = train(examples, classifier, now=now)
        try:
            save_file(model, path)
        except OSError as exc:  # a read-only home: trained again next time, that is all
            log.warning("intake model cache %s cannot be written (%s)", path, exc)
    _SHIPPED_CACHE[key] = model
    return model


def save_file(model: Model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(
        pickle.dumps((_figures(model), model.dumps()), protocol=pickle.HIGHEST_PROTOCOL)
    )
    partial.replace(path)  # atomic: a reader never sees half a file


def load_file(path: Path, classifier: Classifier) -> Model:
    try:
        known, data = pickle.loads(path.read_bytes())  # our own cache's bytes
    except Exception as exc:  # a truncated or foreign file raises whatever it makes
        raise ValueError(f"not a model file: {type(exc).__name__}") from exc
    if not isinstance(known, dict) or not isinstance(data, bytes):
        raise ValueError("not a model file")
    return loads(data, classifier, **known)


def _figures(model: Model) -> dict[str, object]:
    return {
        "threshold": model.threshold,
        "examples": model.examples,
        "street_examples": model.street_examples,
        "accuracy": model.accuracy,
        "asks": model.asks,
        "trained_at": model.trained_at,
        "digest": model.digest,
    }


# -- the street's own examples --------------------------------------------------------------


@dataclass(frozen=True)
class StreetExample:
    event_id: int
    at: datetime
    example: Example


async def street_examples(session: AsyncSession, street_id: int) -> list[StreetExample]:
    """What the street's people said a report was: a coordinator's correction of the
    category (the last one of a case wins), or the resident's own choice among the
    categories offered. Rebuilt from the cases' events, so nothing is kept twice."""
    rows = (
        await session.exec(
            select(CaseEvent, Case.text)
            .join(Case, col(Case.id) == CaseEvent.case_id)
            .where(
                Case.street_id == street_id,
                col(CaseEvent.action).in_([CaseAction.RECATEGORISE, CaseAction.CREATE]),
            )
            .order_by(col(CaseEvent.id))
        )
    ).all()
    latest: dict[int, StreetExample] = {}
    for event, text in rows:
        data = event.data or {}
        if event.action == CaseAction.CREATE:
            if not data.get("chosen"):
                continue
            label = data.get("category")
        else:
            label = data.get("to")
        if not label or not text or not text.strip():
            continue
        assert event.id is not None
        latest[event.case_id] = StreetExample(
            event.id, event.at, Example(text, str(label), street=str(street_id))
        )
    return sorted(latest.values(), key=lambda e: e.event_id)


@dataclass(frozen=True)
class Retrained:
    street_id: int
    examples: int  # the street's own
    ignored: int  # for categories that no longer exist
    held_back: int
    new_accuracy: float | None  # on the held-back corrections
    old_accuracy: float | None
    replaced: bool
    model: IntakeModel | None


def _accuracy(model: Model | None, classifier: Classifier, held: Sequence[Example]) -> float | None:
    if not held:
        return None
    if model is None:
        hits = sum(classifier.classify(e.text).best == e.category for e in held)
    else:
        readings = model.probabilities([e.text for e in held])
        hits = sum(r[0][0] == e.category for r, e in zip(readings, held, strict=True))
    return hits / len(held)


async def retrain(
    session: AsyncSession,
    readers: Readers,
    street_id: int,
    now: datetime,
    *,
    only_if_new: bool = False,
) -> Retrained | None:
    """A new model for the street from the shipped set and its corrections, put in force
    only if it reads the held-back corrections at least as well as the one in force.
    With `only_if_new`, None when no correction came after the street's model was trained.
    """
    import asyncio

    found = await street_examples(session, street_id)
    if only_if_new:
        model = readers.streets.get(street_id)
        trained_at = model.trained_at if model is not None else None
        if not found or (trained_at is not None and max(f.at for f in found) <= trained_at):
            return None
    # Seconds of training follow: no transaction is held open meanwhile (on SQLite a write
    # would lock out every chat's).
    await session.commit()
    known = [f for f in found if f.example.category in readers.classifier.categories]
    ignored = len(found) - len(known)
    if ignored:
        log.warning(
            "street %s: %d corrections name categories that no longer exist: ignored",
            street_id,
            ignored,
        )
    held = [f.example for f in known if f.event_id % HOLD_BACK_EVERY == 0]
    used = [f.example for f in known if f.event_id % HOLD_BACK_EVERY != 0]
    base = [e for e in shipped_examples() if e.category in readers.classifier.categories]
    current = readers.model_for(street_id)
    candidate = await asyncio.to_thread(
        train,
        [*base, *used],
        readers.classifier,
        now=now,
        street_examples=len(used),
        weights=[1.0] * len(base) + [STREET_WEIGHT] * len(used),
    )
    new_accuracy = _accuracy(candidate, readers.classifier, held)
    old_accuracy = _accuracy(current, readers.classifier, held)
    replaced = new_accuracy is None or old_accuracy is None or new_accuracy >= old_accuracy
    row = None
    if replaced:
        # The one in force becomes the previous one (kept); older ones go: each is a
        # megabyte or two.
        for old in (
            await session.exec(select(IntakeModel).where(IntakeModel.street_id == street_id))
        ).all():
            if old.active:
                old.active = False
                session.add(old)
            else:
                await session.delete(old)
        row = _row(candidate, street_id, now)
        row.street_accuracy = new_accuracy
        session.add(row)
        readers.streets[street_id] = candidate
    await session.commit()
    return Retrained(
        street_id, len(known), ignored, len(held), new_accuracy, old_accuracy, replaced, row
    )


async def models_in_force(session: AsyncSession) -> list[IntakeModel]:
    return list(
        (
            await session.exec(
                select(IntakeModel)
                .where(col(IntakeModel.active))
                .order_by(col(IntakeModel.street_id).is_(None).desc(), col(IntakeModel.street_id))
            )
        ).all()
    )
