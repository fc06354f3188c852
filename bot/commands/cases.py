"""python -m bot explain | cases export: routing made visible, and the cases as data."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import CommandError, prepare_database, with_session
from models.cases import Assignment, AssignmentRole, Case, CaseEvent, Category
from models.classify import Classifier, load_categories
from models.intake import Intake, IntakeSettings
from models.members import street_by_code
from models.org import Alley, Member, Party, Street
from models.places import load_places
from services.config import Config


async def _explain(
    session: AsyncSession,
    config: Config,
    street_code: str,
    texts: list[str],
    lat: float | None,
    lon: float | None,
) -> list[dict[str, Any]]:
    street = await street_by_code(session, street_code)
    if street is None or street.id is None:
        raise CommandError(f"no street {street_code!r}")
    classifier = Classifier(load_categories(config.intake.categories_file or None))
    places = await load_places(session, config.intake.radius_m, street_ids=[street.id])
    intake = Intake(classifier, places, IntakeSettings(radius_m=config.intake.radius_m))
    lines = []
    for text in texts:
        verdict, found = intake.explain(text, lat, lon)
        spec = classifier.categories[verdict.best]
        place = found[0] if len(found) == 1 else None
        assignee = None
        party = spec.lead
        if place is not None:
            route = await intake.route_for(session, place, spec, None)
            party = route.party.code if route.party else spec.lead
            if route.member is not None:
                assignee = {"name": route.member.name, "telegram_id": route.member.telegram_id}
        lines.append(
            {
                "text": text,
                "category": verdict.best,
                "confident": verdict.confident,
                "urgent": verdict.urgent,
                "categories": [{"code": code, "score": score} for code, score in verdict.ranked],
                "alley": place.code if place else None,
                "alleys": [p.code for p in found],
                "party": party,
                "assignee": assignee,
            }
        )
    return lines


def explain_command(
    config: Config,
    street: str,
    text: str | None,
    file: str | None,
    lat: float | None,
    lon: float | None,
) -> int:
    if (text is None) == (file is None):
        print("error: give a TEXT or --file FILE", file=sys.stderr)
        return 2
    if (lat is None) != (lon is None):
        print("error: give both --lat and --lon", file=sys.stderr)
        return 2
    if file is not None:
        try:
            texts = [t for t in Path(file).read_text(encoding="utf-8").splitlines() if t.strip()]
        except OSError as exc:
            print(f"error: {file}: {exc.strerror}", file=sys.stderr)
            return 1
    else:
        assert text is not None
        texts = [text]
    prepare_database(config)
    lines = asyncio.run(
        with_session(config, lambda s: _explain(s, config, street, texts, lat, lon))
    )
    for line in lines:
        print(json.dumps(line, ensure_ascii=False))
    return 0


FIELDS = [
    "number",
    "street",
    "category",
    "alley",
    "state",
    "urgency",
    "reporter",
    "reporter_role",
    "anonymous",
    "channel",
    "caller_name",
    "caller_phone",
    "assignees",
    "report_count",
    "duplicate_of",
    "created_at",
    "due_at",
    "closed_at",
    "text",
    "events",
]


async def _export(session: AsyncSession, street_code: str | None) -> list[dict[str, Any]]:
    query = select(Case).order_by(col(Case.id))
    if street_code is not None:
        street = await street_by_code(session, street_code)
        if street is None:
            raise CommandError(f"no street {street_code!r}")
        query = query.where(Case.street_id == street.id)
    streets = {s.id: s.code for s in await session.exec(select(Street))}
    categories = {c.id: c.code for c in await session.exec(select(Category))}
    alleys = {a.id: a.code for a in await session.exec(select(Alley))}
    parties = {p.id: p.code for p in await session.exec(select(Party))}
    members = {m.id: m.name for m in await session.exec(select(Member))}
    numbers = {c.id: c.number for c in await session.exec(select(Case))}
    rows = []
    for case in await session.exec(query):
        assignments = await session.exec(
            select(Assignment).where(
                Assignment.case_id == case.id, Assignment.role == AssignmentRole.LEAD
            )
        )
        events = await session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(col(CaseEvent.at), col(CaseEvent.id))
        )
        rows.append(
            {
                "number": case.number,
                "street": streets.get(case.street_id),
                "category": categories.get(case.category_id),
                "alley": alleys.get(case.alley_id),
                "state": str(case.state),
                "urgency": str(case.urgency),
                "reporter": None if case.anonymous else case.reporter_telegram_id,
                "reporter_role": case.reporter_role,
                "anonymous": case.anonymous,
                # Taken by staff (受理): how, and from whom. The export is the operators'
                # (coordinators') tool, so the caller's phone is in it; an anonymous
                # report names nobody.
                "channel": case.channel,
                "caller_name": None if case.anonymous else case.caller_name,
                "caller_phone": None if case.anonymous else case.caller_phone,
                "assignees": [
                    {"party": parties.get(a.party_id), "member": members.get(a.member_id)}
                    for a in assignments
                ],
                "report_count": case.report_count,
                "duplicate_of": numbers.get(case.duplicate_of_id),
                "created_at": case.created_at.isoformat(),
                "due_at": case.due_at.isoformat() if case.due_at else None,
                "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                "text": case.text,
                "events": [
                    {
                        "at": e.at.isoformat(),
                        "action": str(e.action),
                        "from": str(e.from_state) if e.from_state else None,
                        "to": str(e.to_state) if e.to_state else None,
                        "actor": None
                        if case.anonymous and e.actor_telegram_id == case.reporter_telegram_id
                        else e.actor_telegram_id,
                        "note": e.note,
                    }
                    for e in events
                ],
            }
        )
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        flat["assignees"] = "; ".join(
            " ".join(p for p in (a["party"], a["member"]) if p) for a in row["assignees"]
        )
        flat["events"] = "; ".join(
            f"{e['at']} {e['action']} {e['from'] or ''}→{e['to'] or ''}" for e in row["events"]
        )
        writer.writerow(flat)
    return out.getvalue()


def export_command(config: Config, street: str | None, fmt: str, output: str | None) -> int:
    prepare_database(config)
    rows = asyncio.run(with_session(config, lambda s: _export(s, street)))
    text = (json.dumps(rows, ensure_ascii=False, indent=2) + "\n") if fmt == "json" else _csv(rows)
    if output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    return 0
