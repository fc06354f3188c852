"""Report intake: a message in, a routed case (or one question) out.

`receive` merges what arrived into the reporter's draft, and either asks for the one thing
still missing (the place or the kind of problem) or opens the case: numbered, routed, due,
with every step recorded as an event. A report of a problem already open in the same alley
is linked to that case instead of being dispatched again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.cases import (
    Assignment,
    AssignmentRole,
    Case,
    CaseAction,
    CaseAttachment,
    CaseState,
    Category,
    ReportDraft,
    Urgency,
)
from models.classify import OTHER, CategorySpec, Classifier, Verdict
from models.deadlines import WorkCalendar, due_at
from models.geo import around, haversine_m
from models.lifecycle import OPEN_STATES, apply
from models.members import memberships
from models.org import Member, Role, Street
from models.places import Place, PlaceIndex
from models.routing import Route, route
from models.text import compact, has_meaning

DRAFT_TTL = timedelta(minutes=30)
ALBUM_WINDOW = timedelta(minutes=5)
DUPLICATE_RADIUS_M = 100.0
ANONYMOUS_WORDS = ("匿名", "不要透露我", "别透露我", "anonymous", "anonymously")


@dataclass(frozen=True)
class Report:
    """One message, as the domain sees it."""

    telegram_id: int
    text: str = ""
    lat: float | None = None
    lon: float | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    media_group_id: str | None = None
    locale: str | None = None
    update_id: int | None = None  # the Telegram update: replaying it changes nothing


@dataclass(frozen=True)
class IntakeSettings:
    radius_m: float = 150.0
    reports_per_hour: int = 10
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


# Outcomes -----------------------------------------------------------------------------


@dataclass
class Created:
    case: Case
    category: CategorySpec
    place: Place
    route: Route
    reporter: Member | None


@dataclass
class Duplicate:
    case: Case  # the new report, void and linked
    original: Case
    category: CategorySpec
    place: Place


@dataclass
class NeedPlace:
    draft: ReportDraft
    candidates: list[Place]
    ambiguous: bool  # the text named several alleys
    out_of_area: bool = False  # a location far from every alley


@dataclass
class NeedCategory:
    draft: ReportDraft
    choices: list[str]


@dataclass
class AlreadyReceived:
    """The same update came again (a replay after a crash): its case exists already."""

    case: Case


@dataclass
class Attached:
    """More photos of an album already received: kept, nothing to say."""


@dataclass
class RateLimited:
    limit: int


@dataclass
class NotAReport:
    """Nothing to act on: empty, emoji only, a sticker."""


Outcome = (
    Created
    | Duplicate
    | NeedPlace
    | NeedCategory
    | Attached
    | RateLimited
    | NotAReport
    | AlreadyReceived
)


class Intake:
    """The intake rules, with the classifier and the place index they use."""

    def __init__(
        self,
        classifier: Classifier,
        places: PlaceIndex,
        settings: IntakeSettings | None = None,
    ) -> None:
        self.classifier = classifier
        self.places = places
        self.settings = settings or IntakeSettings()

    # -- public -------------------------------------------------------------------------

    async def receive(self, session: AsyncSession, report: Report, now: datetime) -> Outcome:
        if report.update_id is not None:
            opened = (
                await session.exec(select(Case).where(Case.source_update_id == report.update_id))
            ).first()
            if opened is not None:
                return AlreadyReceived(opened)
        if report.media_group_id is not None:
            attached = await self._attach_to_album(session, report, now)
            if attached:
                return Attached()
        draft = await self._open_draft(session, report.telegram_id, now)
        meaningful = has_meaning(report.text) or report.lat is not None or report.attachments
        if not meaningful and draft is None:
            return NotAReport()
        is_member = bool(await memberships(session, report.telegram_id))
        if not is_member and await self._over_limit(session, report.telegram_id, now):
            return RateLimited(self.settings.reports_per_hour)
        if draft is None:
            draft = ReportDraft(telegram_id=report.telegram_id, created_at=now)
        self._merge(draft, report, now)
        session.add(draft)
        await session.flush()
        outcome = await self._advance(session, draft, report.locale, now)
        await session.commit()
        return outcome

    async def choose_place(
        self, session: AsyncSession, telegram_id: int, draft_id: int, alley_id: int, now: datetime
    ) -> Outcome | None:
        draft = await self._draft(session, telegram_id, draft_id, now)
        if draft is None or alley_id not in self.places.by_id:
            return None
        draft.alley_id = alley_id
        outcome = await self._advance(session, draft, None, now)
        await session.commit()
        return outcome

    async def choose_category(
        self, session: AsyncSession, telegram_id: int, draft_id: int, code: str, now: datetime
    ) -> Outcome | None:
        draft = await self._draft(session, telegram_id, draft_id, now)
        if draft is None or code not in self.classifier.categories:
            return None
        draft.category_code = code
        outcome = await self._advance(session, draft, None, now)
        await session.commit()
        return outcome

    async def cancel(self, session: AsyncSession, telegram_id: int, draft_id: int) -> bool:
        draft = await session.get(ReportDraft, draft_id)
        if draft is None or draft.telegram_id != telegram_id:
            return False
        await session.delete(draft)
        await session.commit()
        return True

    def explain(
        self, text: str, lat: float | None = None, lon: float | None = None
    ) -> tuple[Verdict, list[Place]]:
        """What the rules make of a text (and location), without storing anything."""
        verdict = self.classifier.classify(self.places.without_names(text))
        matches = self.places.in_text(text)
        if not matches and lat is not None and lon is not None:
            near = self.places.near(lat, lon)
            matches = [near] if near else []
        return verdict, [m.place for m in matches]

    async def route_for(
        self, session: AsyncSession, place: Place, spec: CategorySpec, reporter: Member | None
    ) -> Route:
        triage = spec.code == OTHER or (
            reporter is not None
            and reporter.role == Role.INSPECTOR
            and reporter.level == "district"
        )
        return await route(session, place, spec.lead, spec.assist, triage=triage)

    # -- steps --------------------------------------------------------------------------

    @staticmethod
    async def _count_report(session: AsyncSession, original: Case) -> None:
        """One more report of the original's problem, added in the database itself.

        Not through the case's version check: ten neighbours reporting the same overflowing
        bin at once are no conflict, and a report must never be refused for a race. The
        loaded object is told the new count without being marked changed.
        """
        await session.exec(
            update(Case)
            .where(col(Case.id) == original.id)
            .values(report_count=Case.report_count + 1)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(original, "report_count", original.report_count + 1)

    @staticmethod
    def _merge(draft: ReportDraft, report: Report, now: datetime) -> None:
        if report.update_id is not None:
            if report.update_id in draft.update_ids:
                return  # merged before a restart
            draft.update_ids = [*draft.update_ids, report.update_id]
        if report.text.strip():
            draft.text = f"{draft.text}\n{report.text}".strip() if draft.text else report.text
        if report.lat is not None and report.lon is not None:
            draft.lat, draft.lon = report.lat, report.lon
        if report.attachments:
            draft.attachments = [*draft.attachments, *report.attachments]
        if report.media_group_id:
            draft.media_group_id = report.media_group_id
        if any(word in compact(report.text) for word in ANONYMOUS_WORDS):
            draft.anonymous = True
        draft.updated_at = now

    async def _advance(
        self, session: AsyncSession, draft: ReportDraft, locale: str | None, now: datetime
    ) -> Outcome:
        place = self.places.by_id.get(draft.alley_id) if draft.alley_id else None
        if place is None:
            matches = self.places.in_text(draft.text)
            if len(matches) == 1:
                place = matches[0].place
            elif len(matches) > 1:
                return NeedPlace(draft, [m.place for m in matches], ambiguous=True)
            elif draft.lat is not None and draft.lon is not None:
                near = self.places.near(draft.lat, draft.lon)
                if near is None:
                    draft.lat = draft.lon = None
                    return NeedPlace(draft, [], ambiguous=False, out_of_area=True)
                place = near.place
            else:
                user_community = await self._community_of(session, draft.telegram_id)
                return NeedPlace(draft, self.places.likely(draft.text, user_community), False)
            draft.alley_id = place.alley_id
        spec = self.classifier.categories.get(draft.category_code or "")
        if spec is None:
            verdict = self.classifier.classify(self.places.without_names(draft.text))
            if verdict.confident:
                spec = self.classifier.categories[verdict.best]
            else:
                choices = [c for c in verdict.choices(3) if c != OTHER]
                if not choices:
                    choices = [c for c in self.classifier.categories if c != OTHER]
                return NeedCategory(draft, choices)
        urgent = self.classifier.is_urgent(spec, draft.text)
        original = await self._open_duplicate(session, spec, place, draft)
        reporter = await self._reporter(session, draft.telegram_id, place.street_id)
        case = await self._open_case(session, draft, spec, place, reporter, locale, urgent, now)
        if original is not None:
            apply(
                session,
                case,
                CaseAction.VOID,
                at=now,
                note=f"duplicate of #{original.number}",
                data={"duplicate_of": original.id},
            )
            case.duplicate_of_id = original.id
            await self._count_report(session, original)
            apply(
                session,
                original,
                CaseAction.LINK_DUPLICATE,
                at=now,
                actor_telegram_id=draft.telegram_id,
                data={"case": case.id},
            )
            await session.delete(draft)
            await session.flush()
            return Duplicate(case, original, spec, place)
        chosen = await self.route_for(session, place, spec, reporter)
        await self._dispatch(session, case, chosen, now)
        await session.delete(draft)
        await session.flush()
        return Created(case, spec, place, chosen, reporter)

    async def _open_case(
        self,
        session: AsyncSession,
        draft: ReportDraft,
        spec: CategorySpec,
        place: Place,
        reporter: Member | None,
        locale: str | None,
        urgent: bool,
        now: datetime,
    ) -> Case:
        street = await session.get(Street, place.street_id)
        assert street is not None
        category = await category_row(session, spec)
        hours: float | None
        working_days: int | None
        if urgent and spec.urgent_deadline_hours:
            hours, working_days = spec.urgent_deadline_hours, None
        else:
            hours, working_days = spec.deadline_hours, spec.deadline_working_days
        case = Case(
            street_id=place.street_id,
            community_id=place.community_id,
            block_id=place.block_id,
            alley_id=place.alley_id,
            category_id=category.id,
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            text=draft.text,
            lat=draft.lat,
            lon=draft.lon,
            reporter_telegram_id=draft.telegram_id,
            reporter_member_id=reporter.id if reporter else None,
            reporter_role=str(reporter.role) if reporter else "resident",
            reporter_locale=locale,
            anonymous=draft.anonymous,
            inspection_level=(reporter.level or "street")
            if reporter is not None and reporter.role == Role.INSPECTOR
            else None,
            media_group_id=draft.media_group_id,
            source_update_id=draft.update_ids[-1] if draft.update_ids else None,
            created_at=now,
            due_at=due_at(
                now,
                hours=hours,
                working_days=working_days,
                tz=ZoneInfo(street.timezone),
                calendar=self.settings.calendar,
            ),
        )
        session.add(case)
        await session.flush()
        case.number = case.id
        apply(
            session,
            case,
            CaseAction.CREATE,
            at=now,
            actor_telegram_id=draft.telegram_id,
            actor_member_id=reporter.id if reporter else None,
            # The updates that carried the report: an edit of one of them is found by them.
            data={"category": spec.code, "alley": place.code, "updates": list(draft.update_ids)},
        )
        for attachment in draft.attachments:
            assert case.id is not None
            session.add(CaseAttachment(case_id=case.id, created_at=now, **attachment))
        return case

    async def _dispatch(
        self, session: AsyncSession, case: Case, chosen: Route, now: datetime
    ) -> None:
        assert case.id is not None
        if chosen.to_triage:
            apply(
                session,
                case,
                CaseAction.TO_TRIAGE,
                at=now,
                data={"party": chosen.party.code if chosen.party else None},
            )
            return
        assert chosen.member is not None
        session.add(
            Assignment(
                case_id=case.id,
                party_id=chosen.party.id if chosen.party else None,
                member_id=chosen.member.id,
                role=AssignmentRole.LEAD,
                assigned_at=now,
                due_at=case.due_at,
            )
        )
        for helper in chosen.assist:
            session.add(
                Assignment(
                    case_id=case.id,
                    party_id=helper.id,
                    member_id=_id(chosen.assist_members.get(helper.id)),
                    role=AssignmentRole.ASSIST,
                    assigned_at=now,
                    due_at=case.due_at,
                )
            )
        for chief in chosen.street_chiefs:
            session.add(
                Assignment(
                    case_id=case.id, member_id=chief.id, role=AssignmentRole.COPY, assigned_at=now
                )
            )
        apply(
            session,
            case,
            CaseAction.ROUTE,
            at=now,
            data={
                "party": chosen.party.code if chosen.party else None,
                "member": chosen.member.id,
                "reason": chosen.reason,
            },
        )

    async def _open_duplicate(
        self, session: AsyncSession, spec: CategorySpec, place: Place, draft: ReportDraft
    ) -> Case | None:
        category = await category_row(session, spec)
        # The same alley, or (with a location) close by: only those few open cases are read,
        # however many the street has.
        nearby: ColumnElement[bool] = col(Case.alley_id) == place.alley_id
        if draft.lat is not None and draft.lon is not None:
            south, north, west, east = around((draft.lat, draft.lon), DUPLICATE_RADIUS_M)
            nearby = or_(
                nearby,
                and_(
                    col(Case.lat).between(south, north),
                    col(Case.lon).between(west, east),
                ),
            )
        candidates = await session.exec(
            select(Case)
            .where(
                Case.category_id == category.id,
                col(Case.state).in_([s.value for s in OPEN_STATES]),
                col(Case.duplicate_of_id).is_(None),
                Case.street_id == place.street_id,
                nearby,
            )
            .order_by(col(Case.id))
        )
        for case in candidates:
            if case.alley_id == place.alley_id:
                return case
            if None not in (case.lat, case.lon, draft.lat, draft.lon):
                distance = haversine_m((case.lat, case.lon), (draft.lat, draft.lon))  # type: ignore[arg-type]
                if distance <= DUPLICATE_RADIUS_M:
                    return case
        return None

    async def _attach_to_album(self, session: AsyncSession, report: Report, now: datetime) -> bool:
        since = now - ALBUM_WINDOW
        draft = (
            await session.exec(
                select(ReportDraft).where(
                    ReportDraft.telegram_id == report.telegram_id,
                    ReportDraft.media_group_id == report.media_group_id,
                )
            )
        ).first()
        if draft is not None:
            self._merge(draft, report, now)
            session.add(draft)
            await session.commit()
            return True
        case = (
            await session.exec(
                select(Case).where(
                    Case.reporter_telegram_id == report.telegram_id,
                    Case.media_group_id == report.media_group_id,
                    Case.created_at >= since,
                )
            )
        ).first()
        if case is None:
            return False
        assert case.id is not None
        kept = set(
            await session.exec(
                select(CaseAttachment.file_unique_id).where(CaseAttachment.case_id == case.id)
            )
        )
        for attachment in report.attachments:
            if attachment.get("file_unique_id") in kept:
                continue  # the same photo again: a replayed update
            session.add(CaseAttachment(case_id=case.id, created_at=now, **attachment))
        if report.text.strip():
            case.text = f"{case.text}\n{report.text}".strip()
            session.add(case)
        await session.commit()
        return True

    async def _open_draft(
        self, session: AsyncSession, telegram_id: int, now: datetime
    ) -> ReportDraft | None:
        draft = (
            await session.exec(select(ReportDraft).where(ReportDraft.telegram_id == telegram_id))
        ).first()
        if draft is not None and draft.updated_at < now - DRAFT_TTL:
            await session.delete(draft)
            await session.flush()
            return None
        return draft

    async def _draft(
        self, session: AsyncSession, telegram_id: int, draft_id: int, now: datetime
    ) -> ReportDraft | None:
        draft = await session.get(ReportDraft, draft_id)
        if draft is None or draft.telegram_id != telegram_id or draft.updated_at < now - DRAFT_TTL:
            return None
        return draft

    async def _over_limit(self, session: AsyncSession, telegram_id: int, now: datetime) -> bool:
        count = (
            await session.exec(
                select(func.count())
                .select_from(Case)
                .where(
                    Case.reporter_telegram_id == telegram_id,
                    Case.created_at >= now - timedelta(hours=1),
                )
            )
        ).one()
        return int(count) >= self.settings.reports_per_hour

    @staticmethod
    async def _reporter(session: AsyncSession, telegram_id: int, street_id: int) -> Member | None:
        for member in await memberships(session, telegram_id):
            if member.street_id == street_id:
                return member
        return None

    @staticmethod
    async def _community_of(session: AsyncSession, telegram_id: int) -> int | None:
        from models.users import TelegramUser

        user = await session.get(TelegramUser, telegram_id)
        return user.community_id if user else None


async def category_row(session: AsyncSession, spec: CategorySpec) -> Category:
    """The deployment's row for a category, written from the table when missing or changed."""
    row = (
        await session.exec(
            select(Category).where(col(Category.street_id).is_(None), Category.code == spec.code)
        )
    ).first()
    values: dict[str, Any] = {
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "lead_party": spec.lead,
        "assist_parties": list(spec.assist),
        "deadline_hours": spec.deadline_hours,
        "deadline_working_days": spec.deadline_working_days,
        "urgency": spec.urgency,
        "keywords": {"keywords": list(spec.raw_keywords)},
    }
    if row is None:
        row = Category(code=spec.code, **values)
        session.add(row)
        await session.flush()
    elif any(getattr(row, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        await session.flush()
    return row


def case_state_is_open(state: str) -> bool:
    return CaseState(state) in OPEN_STATES


def _id(member: Member | None) -> int | None:
    return member.id if member is not None else None
