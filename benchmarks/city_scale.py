"""City scale: a city's streets, members and a year of cases; agenda and scorecard times.

    python -m benchmarks.city_scale [--cases 100000] [--streets 100] [--database URL]

Generates `--streets` streets of 50 alleys and 200 members each, then `--cases` cases
spread over the last twelve months with their assignments and event histories (written in
bulk), and times one street's monthly agenda and the city-wide quarterly scorecard. Peak RSS
is the process's maximum resident set.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, text
from sqlmodel import col, select

from benchmarks.synthetic import street_roster
from models import assessment, migrate
from models.agenda import build_agenda
from models.case_opening import category_row
from models.cases import Assignment, AssignmentRole, AssignmentState, Case, CaseEvent, Category
from models.classify import Classifier, load_categories
from models.db import Database
from models.open311_queries import SPAN_MAX, Query, find, shown
from models.org import Alley, Block, Member, Party, Role, Street
from models.roster import import_roster
from models.roster_spec import parse_roster

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
CHUNK = 5000


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def generate(database: Database, streets: int, cases: int, seed: int = 1) -> float:
    started = time.perf_counter()
    async with database.session() as session:
        for index in range(streets):
            roster = street_roster(index, alleys=50, communities=10, extra_chiefs=79)
            await import_roster(session, parse_roster(roster, f"s{index}"), now=NOW)
        specs = Classifier(load_categories()).categories
        category_ids = [(await category_row(session, spec)).id for spec in specs.values()]
        await session.commit()
        street_rows = list(await session.exec(select(Street.id)))
        alleys = list(
            await session.exec(
                select(Alley.id, Alley.street_id, Alley.block_id, Block.community_id).join(
                    Block, col(Block.id) == Alley.block_id
                )
            )
        )
        liaisons = list(
            await session.exec(
                select(Member.id, Member.street_id, Member.party_id).where(
                    Member.role == Role.LIAISON
                )
            )
        )
    rng = random.Random(seed)
    by_street: dict[int, list[tuple[int, int]]] = {}
    for member_id, street_id, party_id in liaisons:
        by_street.setdefault(street_id, []).append((member_id, party_id))
    del street_rows
    next_id = 1
    async with database.engine.begin() as connection:
        for start in range(0, cases, CHUNK):
            case_rows, assignment_rows, event_rows = [], [], []
            for n in range(start, min(cases, start + CHUNK)):
                alley_id, street_id, block_id, community_id = rng.choice(alleys)
                member_id, party_id = rng.choice(by_street[street_id])
                created = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
                due = created + timedelta(hours=rng.choice((4, 24, 48, 72)))
                finished = created + timedelta(hours=rng.uniform(1, 96))
                closed = finished < NOW - timedelta(days=3)
                state = "closed" if closed else ("done" if finished < NOW else "accepted")
                case_rows.append(
                    {
                        "id": next_id,
                        "number": next_id,
                        "street_id": street_id,
                        "community_id": community_id,
                        "block_id": block_id,
                        "alley_id": alley_id,
                        "category_id": rng.choice(category_ids),
                        "state": state,
                        "urgency": "normal",
                        "text": "generated",
                        "reporter_telegram_id": 9_000_000 + n % 50_000,
                        "reporter_role": "resident",
                        "anonymous": False,
                        "report_count": 1,
                        "created_at": created,
                        "due_at": due,
                        "done_at": finished if finished < NOW else None,
                        "closed_at": finished + timedelta(days=3) if closed else None,
                        "satisfaction": rng.randint(3, 5) if closed else None,
                    }
                )
                assignment_rows.append(
                    {
                        "case_id": next_id,
                        "party_id": party_id,
                        "member_id": member_id,
                        "role": AssignmentRole.LEAD,
                        "state": AssignmentState.DONE
                        if finished < NOW
                        else AssignmentState.ACCEPTED,
                        "assigned_at": created,
                        "due_at": due,
                    }
                )
                history = [
                    ("create", created, None, "new"),
                    ("route", created, "new", "dispatched"),
                    ("accept", created + timedelta(minutes=30), "dispatched", "accepted"),
                ]
                if finished < NOW:
                    history.append(("finish", finished, "accepted", "done"))
                if closed:
                    history.append(("confirm", finished + timedelta(days=3), "done", "closed"))
                for action, at, before, after in history:
                    event_rows.append(
                        {
                            "case_id": next_id,
                            "at": at,
                            "action": action,
                            "from_state": before,
                            "to_state": after,
                            "data": {},
                        }
                    )
                next_id += 1
            await connection.execute(insert(Case), case_rows)
            await connection.execute(insert(Assignment), assignment_rows)
            await connection.execute(insert(CaseEvent), event_rows)
    return time.perf_counter() - started


async def measure(database: Database) -> tuple[float, float, int]:
    async with database.session() as session:
        street = (await session.exec(select(Street).order_by(col(Street.id)))).first()
        assert street is not None
        # The first build also pays for the process's first queries (SQLAlchemy compiles and
        # caches each statement once); the figure is the median of three after it.
        times = []
        for _ in range(4):
            started = time.perf_counter()
            agenda = await build_agenda(session, street, None, "street_monthly", NOW)
            times.append(time.perf_counter() - started)
            session.expunge_all()
        agenda_s = statistics.median(times[1:])
        assert agenda.new_total > 0
    started = time.perf_counter()
    scored = 0
    start, end, _label = assessment.previous_quarter(NOW.date())
    async with database.session() as session:
        streets = list(await session.exec(select(Street).order_by(col(Street.id))))
        city = await assessment.city_indicators(session, streets, start, end, "party")
        for rows in city.values():
            assessment.score(rows, assessment.Weights())
            scored += sum(r.due for r in rows)
    return agenda_s, time.perf_counter() - started, scored


async def open311_page(database: Database) -> tuple[float, float, int]:
    """Open311's GET requests: a page of 1,000 of the last 90 days, with their notes, for one
    street and for the whole city (the median of three after a first)."""
    results = []
    for one_street in (True, False):
        times, shown_count = [], 0
        for _ in range(4):
            async with database.session() as session:
                street = (await session.exec(select(Street).order_by(col(Street.id)))).first()
                assert street is not None and street.id is not None
                query = Query(
                    street_ids=[street.id] if one_street else None,
                    start=NOW - SPAN_MAX,
                    end=NOW,
                )
                started = time.perf_counter()
                page = await shown(session, await find(session, query))
                times.append(time.perf_counter() - started)
                shown_count = len(page)
        results.append((statistics.median(times[1:]), shown_count))
    return results[0][0], results[1][0], results[1][1]


async def main_async(streets: int, cases: int, url: str, reuse: bool = False) -> None:
    migrate.upgrade(url)
    database = Database(url)
    try:
        async with database.session() as session:
            existing = (await session.exec(select(func.count()).select_from(Case))).one()
        generated = 0.0 if reuse and existing else await generate(database, streets, cases)
        if database.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load, done now rather than whenever it runs:
            # without statistics the planner takes the city's scorecard for a small table.
            async with database.engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        counts = {}
        async with database.session() as session:
            for model in (Street, Alley, Member, Party, Case, CaseEvent, Category):
                counts[model.__name__] = (
                    await session.exec(select(func.count()).select_from(model))
                ).one()
        agenda_s, scorecard_s, scored = await measure(database)
        street_page_s, city_page_s, page_size = await open311_page(database)
    finally:
        await database.dispose()
    print(f"database: {url.split(':')[0]}")
    print(
        "generated: "
        + ", ".join(f"{n} {k.lower()}s" for k, n in counts.items())
        + (f" in {generated:.0f} s" if generated else " (reused)")
    )
    print(f"monthly agenda, one street: {agenda_s * 1000:.0f} ms")
    print(f"quarterly scorecard, the whole city: {scorecard_s:.1f} s ({scored} cases due)")
    print(
        f"Open311 GET requests, a page of {page_size} with notes: one street "
        f"{street_page_s * 1000:.0f} ms, the whole city {city_page_s * 1000:.0f} ms"
    )
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=100)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database", help="default: a temporary SQLite file")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database's cases, if any, as they are"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'city.db'}"
        asyncio.run(main_async(args.streets, args.cases, url, args.reuse))


if __name__ == "__main__":
    main()
