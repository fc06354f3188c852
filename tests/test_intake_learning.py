"""The learned reader: it learns a street's corrections, keeps a model only if it is not
worse, asks when unsure, and falls back rather than fails when a model cannot be read."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import dispatch
from models.case_opening import category_row
from models.cases import Case, CaseAction, CaseEvent
from models.classify import OTHER, Classifier, Verdict, load_categories
from models.db import Database
from models.intake import Created, Intake, IntakeSettings, Report
from models.learned import Example, choose_threshold
from models.org import Street
from models.permissions import load_actor
from models.places import load_places
from models.reading import IntakeModel, Readers, load_file, retrain, save_file, street_examples
from scheduler.retraining import week_due
from tests.harness import T0

ADMIN = 1
RESIDENT = 900301
# The street files parcel piles in its alleys as street occupation (占道经营): a convention
# of its own that the shipped reports do not teach.
PARCELS = [
    "复兴街快递点的包裹堆到路中间了",
    "桥直巷快递站把快件摆满了路边",
    "海月巷的快递小哥把包裹堆在巷子里分拣",
    "复兴街菜鸟驿站门口全是快递箱子",
    "小溪巷快递车停在路上卸货，包裹摊了一地",
    "里新巷快递三轮车和包裹堵住了路",
    "水澄南街快递网点占了半条路",
    "海月巷快递堆得人都过不去",
]
SIMILAR = "江城巷快递柜旁边堆满了快递"


@pytest.fixture
def classifier() -> Classifier:
    return Classifier(load_categories())


async def _readers(db: Database, classifier: Classifier) -> Readers:
    readers = Readers(classifier)
    async with db.session() as session:
        await readers.load(session, T0)
    return readers


async def _street_intake(db: Database, classifier: Classifier) -> tuple[Readers, int, Intake]:
    """The learned readers, the sample street's id, and an intake reading with them."""
    readers = await _readers(db, classifier)
    async with db.session() as session:
        street = (await session.exec(select(Street))).one()
        places = await load_places(session)
    assert street.id is not None
    intake = Intake(classifier, places, IntakeSettings(reports_per_hour=100), readers)
    return readers, street.id, intake


async def _correct_parcels(db: Database, intake: Intake) -> datetime:
    """Each parcel report filed and corrected to street occupation; the time after."""
    now = T0
    for text in PARCELS:
        now += timedelta(minutes=5)
        case = await _report(db, intake, text, now)
        await _correct(db, case, "street_vendor", now)
    return now


async def _report(db: Database, intake: Intake, text: str, now: datetime) -> Case:
    async with db.session() as session:
        outcome = await intake.receive(session, Report(telegram_id=RESIDENT, text=text), now)
    if isinstance(outcome, Created):
        return outcome.case
    # Asked which kind: the resident takes the first offered, as a hurried one would.
    async with db.session() as session:
        draft_id = outcome.draft.id  # type: ignore[attr-defined]
        chosen = outcome.choices[0]  # type: ignore[attr-defined]
        done = await intake.choose_category(session, RESIDENT, draft_id, chosen, now)
    assert isinstance(done, Created), done
    return done.case


async def _correct(db: Database, case: Case, code: str, now: datetime) -> None:
    async with db.session() as session:
        ctx = await dispatch.load(session, case.id or 0)
        assert ctx is not None
        actor = await load_actor(session, ADMIN, True)
        spec = load_categories()
        category = await category_row(session, next(c for c in spec if c.code == code))
        await dispatch.recategorise(session, ctx, actor, category, now)
        await session.commit()


async def test_a_streets_repeated_correction_changes_the_next_reading(
    db: Database, roster: object, classifier: Classifier
) -> None:
    readers, street_id, intake = await _street_intake(db, classifier)
    before = intake.read(SIMILAR, street_id)
    assert before.best != "street_vendor", before
    now = await _correct_parcels(db, intake)
    async with db.session() as session:
        found = await street_examples(session, street_id)
        # Those read wrongly and corrected (a reading already right is no correction).
        assert len(found) >= 5 and {f.example.category for f in found} == {"street_vendor"}
        assert {f.example.text for f in found} <= set(PARCELS)
        result = await retrain(session, readers, street_id, now)
        assert result is not None
    assert result.replaced and result.examples == len(found)
    after = intake.read(SIMILAR, street_id)
    assert after.best == "street_vendor", after
    # Another street is read as before: the lesson is this street's.
    assert intake.read(SIMILAR, None).best == before.best
    # Kept in the database: a restart reads as the street taught it.
    again = await _readers(db, classifier)
    assert again.verdict(SIMILAR, street_id).best == "street_vendor"


async def test_a_model_that_reads_the_held_back_corrections_worse_is_not_put_in_force(
    db: Database, roster: object, classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    readers, street_id, intake = await _street_intake(db, classifier)
    now = await _correct_parcels(db, intake)
    async with db.session() as session:
        first = await retrain(session, readers, street_id, now)
        assert first is not None
    assert first.replaced
    in_force = readers.streets[street_id]

    # A model that reads every held-back correction wrong is refused; the one in force stays.
    class Worse:
        def __init__(self, model: object) -> None:
            self.model = model

        def probabilities(self, texts: list[str]) -> list[list[tuple[str, float]]]:
            return [[(OTHER, 1.0)] for _ in texts]

    import models.reading as reading

    real_train = reading.train
    monkeypatch.setattr(reading, "train", lambda *a, **k: Worse(real_train(*a, **k)))
    async with db.session() as session:
        second = await retrain(session, readers, street_id, now + timedelta(days=7))
        assert second is not None
    assert not second.replaced and second.new_accuracy == 0.0
    assert readers.streets[street_id] is in_force
    async with db.session() as session:
        rows = (await session.exec(select(IntakeModel))).all()
    assert [r.active for r in rows] == [True]


async def test_a_residents_choice_is_a_labelled_example_and_unknown_categories_are_ignored(
    db: Database, roster: object, classifier: Classifier, caplog: pytest.LogCaptureFixture
) -> None:
    readers, street_id, intake = await _street_intake(db, classifier)
    case = await _report(db, intake, "复兴街有点问题，麻烦来看看", T0)
    async with db.session() as session:
        created = (
            await session.exec(
                select(CaseEvent).where(
                    CaseEvent.case_id == case.id, CaseEvent.action == CaseAction.CREATE
                )
            )
        ).one()
        assert created.data.get("chosen") is True
        found = await street_examples(session, street_id)
        assert [f.example.text for f in found] == ["复兴街有点问题，麻烦来看看"]
        # A correction naming a category the table no longer has.
        session.add(
            CaseEvent(
                case_id=case.id,
                action=CaseAction.RECATEGORISE,
                at=T0 + timedelta(minutes=1),
                data={"from": found[0].example.category, "to": "retired_category"},
            )
        )
        await session.commit()
        with caplog.at_level(logging.WARNING):
            result = await retrain(session, readers, street_id, T0 + timedelta(hours=1))
            assert result is not None
    assert result.ignored == 1 and result.examples == 0
    assert "no longer exist" in caplog.text


async def test_a_corrupt_street_model_is_set_aside_and_the_shipped_one_reads(
    db: Database, roster: object, classifier: Classifier, caplog: pytest.LogCaptureFixture
) -> None:
    async with db.session() as session:
        street = (await session.exec(select(Street))).one()
        session.add(
            IntakeModel(
                street_id=street.id,
                digest="x",
                library="x",
                data=b"not a model",
                created_at=T0,
            )
        )
        await session.commit()
    from models import reading

    async with db.session() as session:
        row = (await session.exec(select(IntakeModel))).one()
        row.library = reading._library()  # written by this scikit-learn, but garbage
        session.add(row)
        await session.commit()
    with caplog.at_level(logging.WARNING):
        readers = await _readers(db, classifier)
    assert readers.streets == {} and readers.shipped is not None
    assert "cannot be read" in caplog.text
    assert readers.verdict("复兴街垃圾没人清", street.id).best == "garbage"
    async with db.session() as session:
        assert not (await session.exec(select(IntakeModel))).one().active


def test_a_corrupt_cache_file_is_refused(tmp_path: Path, classifier: Classifier) -> None:
    path = tmp_path / "model.pickle"
    path.write_bytes(b"\x80\x04garbage")
    with pytest.raises(ValueError, match="not a model file"):
        load_file(path, classifier)


async def test_the_cache_file_round_trips(
    db: Database, classifier: Classifier, tmp_path: Path
) -> None:
    readers = await _readers(db, classifier)
    assert readers.shipped is not None
    path = tmp_path / "model.pickle"
    save_file(readers.shipped, path)
    loaded = load_file(path, classifier)
    text = "桥直巷路灯不亮了，晚上黑乎乎的"
    assert loaded.read(text).best == readers.shipped.read(text).best == "street_light"
    assert loaded.threshold == readers.shipped.threshold


def test_unsure_means_asking_and_other_needs_more() -> None:
    assert not Verdict([("garbage", 0.25)], False, confidence=0.25, threshold=0.3).confident
    assert Verdict([("garbage", 0.35)], False, confidence=0.35, threshold=0.3).confident
    # "有点问题" reads as other: asked unless clearly about nothing the categories name.
    assert not Verdict([(OTHER, 0.5)], False, confidence=0.5, threshold=0.3).confident
    assert Verdict([(OTHER, 0.9)], False, confidence=0.9, threshold=0.3).confident
    # The threshold: the lowest confidence keeping held-back readings right often enough.
    scored = [(0.9, True)] * 50 + [(0.5, True)] * 40 + [(0.4, False)] * 5 + [(0.2, False)] * 5
    assert choose_threshold(scored, aim=0.95) == 0.4
    assert choose_threshold([(0.1, True)] * 10, aim=0.95) == 0.3  # never below the floor


def test_the_weekly_retraining_falls_due_once_a_week() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=shanghai)
    assert week_due(saturday, shanghai, 6, "03:00") is None  # Sunday 03:00 not yet
    sunday = datetime(2026, 11, 29, 3, 30, tzinfo=shanghai)
    assert week_due(sunday, shanghai, 6, "03:00") == "2026-W48"
    monday = datetime(2026, 11, 30, 3, 30, tzinfo=shanghai)
    assert week_due(monday, shanghai, 0, "03:00") == "2026-W49"
    assert week_due(monday.astimezone(UTC), shanghai, 0, "04:00") is None


def test_explain_shows_the_confidence_and_whether_it_would_ask(
    db_url: str, roster: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "1:x"\n[database]\nurl = "{db_url}"\n')
    assert (
        main(["explain", "--config", str(config), "--street", "nanxing", "桥直巷路灯不亮了"]) == 0
    )
    assert main(["explain", "--config", str(config), "--street", "nanxing", "桥直巷有点问题"]) == 0
    sure, unsure = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert sure["reader"] == "learned" and sure["category"] == "street_light"
    assert sure["confidence"] >= sure["threshold"] and not sure["asks"]
    assert sure["keywords"][0]["code"] == "street_light"  # the explanation
    assert unsure["asks"] and unsure["alley"] == "qiaozhi-xiang"
    assert main(["intake", "status", "--config", str(config)]) == 0
    status = capsys.readouterr().out
    assert "shipped" in status and "threshold" in status
    assert main(["intake", "retrain", "--config", str(config)]) == 0
    assert "nanxing: 0 corrections" in capsys.readouterr().out


def test_example_rows_name_their_street() -> None:
    from models.learned import read_examples

    [example] = read_examples("# comment\nqinghe\tgarbage\t-\t垃圾没人收\n")
    assert example == Example("垃圾没人收", "garbage", "qinghe", None)
    with pytest.raises(ValueError, match="line 1"):
        read_examples("only\tthree\tfields")


async def test_a_report_about_nothing_the_categories_name_goes_to_triage_unasked(
    db: Database, roster: object, classifier: Classifier
) -> None:
    readers = await _readers(db, classifier)
    stray_dog = readers.verdict("有只流浪狗很凶")
    assert stray_dog.best == OTHER and stray_dog.confident
    vague = readers.verdict("有点问题")
    assert not vague.confident and vague.choices() == []  # no hint: every category offered


def test_reading_without_scikit_learn_gives_its_very_numbers() -> None:
    """The kept model reads with its own n-grams and tf-idf arithmetic; scikit-learn's
    vectorizers, fitted alike, give the same rows."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from models.learned import CHARS, SOUNDS, Grams, pinyin_line, plain, shipped_examples

    texts = [e.text for e in shipped_examples()[::7]] + ["", "  垃圾  桶 ", "Qīnghé xiàng"]
    for spec, form in ((CHARS, plain), (SOUNDS, pinyin_line)):
        vectorizer = TfidfVectorizer(**spec)
        matrix = vectorizer.fit_transform([form(t) for t in texts]).toarray()
        assert vectorizer.build_analyzer()("Ab  cd") == (
            Grams(spec["analyzer"], *spec["ngram_range"], {}, None).analyze("Ab  cd")
        )
        low, high = spec["ngram_range"]
        grams = Grams(spec["analyzer"], low, high, vectorizer.vocabulary_, vectorizer.idf_)
        for text, expected in zip(texts, matrix, strict=True):
            indices, values = grams.row(form(text))
            row = np.zeros(len(vectorizer.vocabulary_))
            row[indices] = values
            assert np.allclose(row, expected), text


async def test_the_weekly_pass_retrains_a_street_with_new_corrections_once(
    db_url: str, roster: object, classifier: Classifier
) -> None:
    from models.clock import ManualClock
    from models.meetings import Delivery
    from scheduler import retraining
    from tests.harness import bot_running

    # Sunday 03:30 in Shanghai: the week's retraining is due.
    clock = ManualClock(datetime(2026, 11, 29, 3, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    async with bot_running(db_url, clock=clock) as bot:
        services = bot.app.services
        assert await bot.tick(retraining.run_once) == []  # no correction: nothing to learn
        database = Database(db_url)
        try:
            assert services.readers is not None
            async with database.session() as session:
                places = await load_places(session)
            settings = IntakeSettings(reports_per_hour=100)
            intake = Intake(classifier, places, settings, services.readers)
            await _correct_parcels(database, intake)
            assert await bot.tick(retraining.run_once) == []  # this week's pass was made
            clock.set(clock.now() + timedelta(days=7))
            assert await bot.tick(retraining.run_once) == ["nanxing"]
            assert await bot.tick(retraining.run_once) == []  # once a week
            async with database.session() as session:
                weeks = (
                    await session.exec(select(Delivery.period).where(Delivery.kind == "retrain"))
                ).all()
                assert sorted(weeks) == ["2026-W48", "2026-W49"]
                assert (await session.exec(select(IntakeModel))).one().active
        finally:
            await database.dispose()
