"""python -m bot explain | cases export: routing made visible, and the cases as data."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import (
    CommandError,
    cli_i18n,
    prepare_database,
    with_session,
    write_output,
)
from locales.i18n import I18n
from models.cases import Assignment, AssignmentRole, Case, CaseEvent, Category
from models.classify import Classifier, load_categories
from models.intake import Intake, IntakeSettings
from models.members import street_by_code
from models.org import Alley, Member, Party, Street
from models.places import load_places
from models.reading import Readers
from services.config import Config
from views.case_text import alley_name, category_name, state_name, urgency_name
from views.exports import CASE_COLUMNS, case_header, csv_bytes, local_iso
from views.labels import party_name, street_name


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
    readers = None
    if config.intake.reader == "learned":
        readers = Readers(classifier)
        await readers.load(session, datetime.now(UTC))
    intake = Intake(classifier, places, IntakeSettings(radius_m=config.intake.radius_m), readers)
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
                # Below the threshold the resident is asked to choose among the likeliest.
                "asks": not verdict.confident,
                "reader": "keywords" if verdict.confidence is None else "learned",
                "confidence": verdict.confidence,
                "threshold": verdict.threshold,
                # What this reading needed: "other" goes unasked only when quite sure.
                "needed": verdict.needed,
                "urgent": verdict.urgent,
                "categories": [{"code": code, "score": score} for code, score in verdict.ranked],
                "keywords": [
                    {"code": code, "score": score}
                    for code, score in (
                        verdict.ranked if verdict.keywords is None else verdict.keywords
                    )
                ],
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


async def _export(
    session: AsyncSession, street_code: str | None, i18n: I18n | None = None
) -> list[dict[str, Any]]:
    """The cases as rows; names in i18n's language (default: Chinese)."""
    i18n = i18n or I18n("zh_CN")
    query = select(Case).order_by(col(Case.id))
    if street_code is not None:
        street = await street_by_code(session, street_code)
        if street is None:
            raise CommandError(f"no street {street_code!r}")
        query = query.where(Case.street_id == street.id)
    streets = {s.id: s for s in await session.exec(select(Street))}
    categories = {c.id: c for c in await session.exec(select(Category))}
    alleys = {a.id: a for a in await session.exec(select(Alley))}
    parties = {p.id: p for p in await session.exec(select(Party))}
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
        street = streets[case.street_id]
        tz = street.timezone
        category = categories.get(case.category_id)
        alley = alleys.get(case.alley_id)
        rows.append(
            {
                "number": case.number,
                "street": street.code,
                "street_name": street_name(i18n, street),
                "category": category.code if category else None,
                "category_name": category_name(i18n, category) if category else None,
                "alley": alley.code if alley else None,
                "alley_name": alley_name(alley, i18n) if alley else None,
                "state": str(case.state),
                "state_name": state_name(i18n, case.state),
                "urgency": str(case.urgency),
                "urgency_name": urgency_name(i18n, case.urgency),
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
                    {
                        "party": party.code if party else None,
                        "party_name": party_name(i18n, party) if party else None,
                        "member": members.get(a.member_id),
                    }
                    for a in assignments
                    for party in [parties.get(a.party_id)]
                ],
                "report_count": case.report_count,
                "duplicate_of": numbers.get(case.duplicate_of_id),
                "created_at": local_iso(case.created_at, tz),
                "due_at": local_iso(case.due_at, tz),
                "closed_at": local_iso(case.closed_at, tz),
                "text": case.text,
                "events": [
                    {
                        "at": local_iso(e.at, tz),
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


def _csv(rows: list[dict[str, Any]], i18n: I18n) -> bytes:
    """One line a case, the headers in the reader's language, UTF-8 with a BOM for Excel."""
    lines = []
    for row in rows:
        flat = dict(row)
        flat["assignees"] = "; ".join(
            " ".join(p for p in (a["party"], a["party_name"], a["member"]) if p)
            for a in row["assignees"]
        )
        flat["events"] = "; ".join(
            f"{e['at']} {e['action']} {e['from'] or ''}→{e['to'] or ''}" for e in row["events"]
        )
        lines.append([flat[key] for key, _label in CASE_COLUMNS])
    return csv_bytes(case_header(i18n), lines)


def export_command(
    config: Config, street: str | None, fmt: str, output: str | None, locale: str | None = None
) -> int:
    prepare_database(config)
    i18n = cli_i18n(config, locale)
    rows = asyncio.run(with_session(config, lambda s: _export(s, street, i18n)))
    if fmt == "json":
        data = (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        data = _csv(rows, i18n)
    write_output(data, output)
    return 0
