"""Report intake: a message in, a routed case (or one question) out.

`receive` merges what arrived into the reporter's draft, and either asks for the one thing
still missing (the place or the kind of problem) or opens the case: numbered, routed, due,
with every step recorded as an event. A report of a problem already open in the same alley
is linked to that case instead of being dispatched again.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.case_opening import (
    community_of,
    dispatch_case,
    open_case,
    reporter_member,
)
from models.cases import Case, CaseAction, CaseState, ReportDraft
from models.classify import OTHER, CategorySpec, Classifier, Verdict
from models.drafts import (
    attach_to_album,
    find_draft,
    is_cancel,
    merge,
    open_draft,
    over_limit,
)
from models.duplicates import count_report, find_original, reported_before
from models.lifecycle import OPEN_STATES, apply
from models.members import memberships
from models.org import Member, Role
from models.places import Place, PlaceIndex
from models.reading import Readers
from models.reports import (
    AlreadyReceived,
    Attached,
    Cancelled,
    Created,
    Duplicate,
    Filing,
    IntakeSettings,
    MemberChat,
    NeedCategory,
    NeedPlace,
    NotAReport,
    Outcome,
    RateLimited,
    Report,
)
from models.routing import Route, route
from models.text import has_meaning

__all__ = [
    "AlreadyReceived",
    "Attached",
    "Cancelled",
    "Created",
    "Duplicate",
    "Filing",
    "Intake",
    "IntakeSettings",
    "MemberChat",
    "NeedCategory",
    "NeedPlace",
    "NotAReport",
    "Outcome",
    "RateLimited",
    "Report",
]


class Intake:
    """The intake rules, with the classifier and the place index they use."""

    def __init__(
        self,
        classifier: Classifier,
        places: PlaceIndex,
        settings: IntakeSettings | None = None,
        readers: Readers | None = None,
    ) -> None:
        self.classifier = classifier
        self.places = places
        self.settings = settings or IntakeSettings()
        # The learned readers in force; without them, the keywords alone.
        self.readers = readers

    def read(self, text: str, street_id: int | None = None) -> Verdict:
        """What the text is about (alley names taken out: they say where, not what)."""
        text = self.places.without_names(text)
        if self.readers is None:
            return self.classifier.classify(text)
        return self.readers.verdict(text, street_id)

    # -- public -------------------------------------------------------------------------

    async def receive(self, session: AsyncSession, report: Report, now: datetime) -> Outcome:
        if report.update_id is not None:
            opened = (
                await session.exec(select(Case).where(Case.source_update_id == report.update_id))
            ).first()
            if opened is not None:
                return AlreadyReceived(opened)
        if report.media_group_id is not None:
            attached = await attach_to_album(session, report, now)
            if attached is not None:
                return attached
        draft = await open_draft(session, report.telegram_id, now)
        meaningful = has_meaning(report.text) or report.lat is not None or report.attachments
        if not meaningful and draft is None:
            return NotAReport()
        if draft is not None and is_cancel(report):
            await session.delete(draft)
            await session.commit()
            return Cancelled()
        is_member = bool(await memberships(session, report.telegram_id))
        if is_member and draft is None and not self.reads_as_report(report):
            # "收到，马上去处理" from a liaison is an answer, not a problem with no place.
            return MemberChat()
        if not is_member and await over_limit(
            session, report.telegram_id, now, self.settings.reports_per_hour
        ):
            return RateLimited(self.settings.reports_per_hour)
        if draft is None:
            draft = ReportDraft(telegram_id=report.telegram_id, created_at=now)
        merge(draft, report, now)
        session.add(draft)
        await session.flush()
        outcome = await self._advance(session, draft, report.locale, now)
        await session.commit()
        return outcome

    async def choose_place(
        self, session: AsyncSession, telegram_id: int, draft_id: int, alley_id: int, now: datetime
    ) -> Outcome | None:
        draft = await find_draft(session, telegram_id, draft_id, now)
        if draft is None or alley_id not in self.places.by_id:
            return None
        draft.alley_id = alley_id
        outcome = await self._advance(session, draft, None, now)
        await session.commit()
        return outcome

    async def choose_category(
        self, session: AsyncSession, telegram_id: int, draft_id: int, code: str, now: datetime
    ) -> Outcome | None:
        draft = await find_draft(session, telegram_id, draft_id, now)
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

    def reads_as_report(self, report: Report) -> bool:
        """Whether a message says where or what a problem is: a member's word that does
        neither (a thanks, an acknowledgement) is not asked "where is it?"."""
        if report.lat is not None or report.attachments:
            return True
        verdict, places = self.explain(report.text)
        return bool(places) or (verdict.confident and verdict.best != OTHER)

    def explain(
        self, text: str, lat: float | None = None, lon: float | None = None
    ) -> tuple[Verdict, list[Place]]:
        """What the rules make of a text (and location), without storing anything."""
        matches = self.places.in_text(text)
        if not matches and lat is not None and lon is not None:
            near = self.places.near(lat, lon)
            matches = [near] if near else []
        streets = {m.place.street_id for m in matches}
        verdict = self.read(text, streets.pop() if len(streets) == 1 else None)
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
                user_community = await community_of(session, draft.telegram_id)
                return NeedPlace(draft, self.places.likely(draft.text, user_community), False)
            draft.alley_id = place.alley_id
        spec = self.classifier.categories.get(draft.category_code or "")
        picked = spec is not None  # by the reporter, among the categories offered
        verdict = None
        if spec is None:
            verdict = self.read(draft.text, place.street_id)
            if verdict.confident:
                spec = self.classifier.categories[verdict.best]
            else:
                choices = verdict.choices(3)
                if not choices:
                    choices = [c for c in self.classifier.categories if c != OTHER]
                return NeedCategory(draft, choices)
        return await self._open(session, draft, spec, place, locale, now, _reading(verdict, picked))

    async def file(
        self, session: AsyncSession, filing: Filing, now: datetime
    ) -> Created | Duplicate:
        """A complete report from another system (Open311): where is known, and what is
        either given or read here. What the reader is unsure of goes to triage with its best
        reading, since nobody is there to be asked. Nothing is committed."""
        spec = self.classifier.categories.get(filing.category or "")
        verdict = None
        triage = False
        if spec is None:
            verdict = self.read(filing.text, filing.place.street_id)
            spec = self.classifier.categories[verdict.best]
            triage = not verdict.confident
        draft = ReportDraft(
            telegram_id=0,
            text=filing.text,
            lat=filing.lat,
            lon=filing.lon,
            alley_id=filing.place.alley_id,
            anonymous=filing.anonymous,
            channel=filing.channel,
            caller_name=filing.caller_name,
            caller_phone=filing.caller_phone,
            attachments=list(filing.attachments),
            created_at=now,
            updated_at=now,
        )
        reading: dict[str, object] = (
            {"given": True} if verdict is None else _reading(verdict, False)
        )
        if triage:
            reading["unsure"] = True
        outcome = await self._open(
            session,
            draft,
            spec,
            filing.place,
            filing.locale,
            now,
            reading,
            triage=triage,
            kept=False,
        )
        outcome.case.address = filing.address
        assert isinstance(outcome, Created | Duplicate)
        return outcome

    async def _open(
        self,
        session: AsyncSession,
        draft: ReportDraft,
        spec: CategorySpec,
        place: Place,
        locale: str | None,
        now: datetime,
        reading: dict[str, object],
        *,
        triage: bool = False,
        kept: bool = True,
    ) -> Created | Duplicate:
        """The case a complete report becomes: a repeat of an open case joins it; otherwise
        it is numbered, due and routed. `kept`: the draft is a row, deleted once used."""
        urgent = self.classifier.is_urgent(spec, draft.text)
        original = await find_original(session, spec, place, draft)
        reporter = await reporter_member(session, draft.telegram_id, place.street_id)
        case = await open_case(
            session,
            draft,
            spec,
            place,
            reporter,
            locale,
            urgent,
            now,
            self.settings.calendar,
            numbered=original is None,
            reading=reading,
        )
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
            again = await reported_before(session, original, case)
            if not again:
                await count_report(session, original)
            apply(
                session,
                original,
                CaseAction.LINK_DUPLICATE,
                at=now,
                actor_telegram_id=draft.telegram_id or None,
                data={"case": case.id},
            )
            if kept:
                await session.delete(draft)
            await session.flush()
            return Duplicate(case, original, spec, place, again=again)
        chosen = await self.route_for(session, place, spec, reporter)
        if triage and not chosen.to_triage:
            chosen = await route(session, place, spec.lead, spec.assist, triage=True)
        await dispatch_case(session, case, chosen, now)
        if kept:
            await session.delete(draft)
        await session.flush()
        return Created(case, spec, place, chosen, reporter)


def _reading(verdict: Verdict | None, chosen: bool) -> dict[str, object]:
    """How the category was found, kept with the case: a choice of the reporter's is a
    labelled example for the street's reader; a confidence shows how sure the reader was."""
    if chosen:
        return {"chosen": True}
    if verdict is None or verdict.confidence is None:
        return {"read": "keywords"}
    return {"read": "learned", "confidence": round(verdict.confidence, 3)}


def case_state_is_open(state: str) -> bool:
    return CaseState(state) in OPEN_STATES
