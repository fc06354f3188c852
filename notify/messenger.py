"""Messages the bot sends on its own about a case: dispatches, progress, questions, alarms.

Each recipient is spoken to in their own language and the street's time zone. Everything
goes through the outbox: a recipient who cannot be reached (never started the bot, blocked
it) is recorded there as a failure, which coordinators see with /outbox.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InlineKeyboardMarkup

from locales.i18n import N_, I18n
from models import held, outbox
from models.cases import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Case,
    CaseState,
    Category,
    Urgency,
)
from models.departure import Departure
from models.dispatch import verifiers
from models.evidence import fix_photos, report_evidence
from models.geo import haversine_m
from models.members import member_areas
from models.messaging import OutboxMessage, OutboxState, Priority
from models.org import Alley, Community, Member, Party, Role, Street, VendingSpot
from models.privacy import contact_of
from models.users import TelegramUser
from services.registry import Services
from views.case_text import lead_label, reporter_label
from views.coordinator_notices import departure_summary, triage_question
from views.dispatch_notices import (
    assist_request,
    dispatch_card,
    group_post,
    reassigned_note,
    street_chief_copy,
)
from views.evidence import MediaCall, before_after, evidence_calls
from views.reporter_notices import NAMES_LEAD, progress_notice, verification_question

log = logging.getLogger(__name__)
# Telegram sends an album as separate messages a moment apart: a case opened by its first
# one is dispatched this long after, with all of them.
ALBUM_WAIT = timedelta(seconds=3)


@dataclass
class Messenger:
    # Everything goes through the outbox, so no method calls the bot: the command line,
    # which has none, tells people too.
    bot: Bot | None
    session: AsyncSession
    services: Services

    async def i18n(self, telegram_id: int, case: Case) -> I18n:
        street = await self.session.get(Street, case.street_id) if case.street_id else None
        return await self.services.i18n_for(
            self.session, telegram_id, street.timezone if street else None
        )

    async def send(
        self,
        chat_id: int,
        text: str,
        keyboard: InlineKeyboardMarkup | None = None,
        priority: Priority = Priority.DISPATCH,
        dedupe: str | None = None,
        case_id: int | None = None,
        card: dict[str, Any] | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Into the outbox, with whatever the session commits next (the end of the update or
        of the time-driven pass, which then wakes the sender). False: queued before (dedupe).
        `card`: how the text was made, for a dispatch card that may need correcting later;
        `not_before`: not sent before then (an album still arriving, a card deferred past the
        quiet hours)."""
        payload: dict[str, Any] = {
            "text": text,
            "reply_markup": keyboard.to_dict() if keyboard else None,
        }
        if card is not None:
            payload["card"] = card
        now = self.services.clock.now()
        row = await outbox.enqueue(
            self.session,
            chat_id,
            payload,
            now=now,
            priority=priority,
            dedupe_key=dedupe,
            case_id=case_id,
        )
        if row is not None and not_before is not None and not_before > now:
            row.not_before = not_before
        return row is not None

    # -- quiet hours ----------------------------------------------------------------------

    async def quiet_until(self, case: Case) -> datetime | None:
        """When the quiet hours the case's street is in end, if notices about this case can
        wait until then; None: tell now (quiet hours off or over, or an urgent case)."""
        quiet = self.services.config.quiet_hours.hours()
        if quiet is None or case.urgency == Urgency.URGENT:
            return None
        category = await self.session.get(Category, case.category_id) if case.category_id else None
        if category is not None and category.urgency == Urgency.URGENT:
            return None
        street = await self.session.get(Street, case.street_id) if case.street_id else None
        tz = self.services.street_tz(street.timezone if street else None)
        return quiet.release_at(self.services.clock.now(), tz)

    async def new_case_waits_until(self, case: Case) -> datetime | None:
        """A new case that is not urgent waits for the end of the quiet hours, unless its
        deadline falls before then: holding it must never make it late."""
        release = await self.quiet_until(case)
        if release is None or (case.due_at is not None and case.due_at <= release):
            return None
        return release

    async def hold_or_send(
        self,
        chat_id: int,
        case: Case,
        kind: str,
        text: str,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        until: datetime | None,
        dedupe: str | None = None,
        level: int = 0,
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Held for the digest at `until` (the end of the quiet hours), else sent now. Either
        way once per key: a notice held before is not sent, nor one sent before held."""
        if until is None:
            if await held.known(self.session, dedupe):
                return False
            return await self.send(chat_id, text, keyboard, dedupe=dedupe)
        row = await held.hold(
            self.session,
            chat_id,
            case,
            kind,
            now=self.services.clock.now(),
            release_at=until,
            level=level,
            data=data,
            dedupe_key=dedupe,
        )
        return row is not None

    async def media(
        self,
        chat_id: int,
        calls: list[MediaCall],
        case: Case,
        dedupe: str | None = None,
        not_before: datetime | None = None,
    ) -> None:
        """Photos, places, voice notes by file id, one outbox row each, so that one failing
        loses nothing else. Keys derive from `dedupe` ("media:KEY:N") and never start with
        "dispatch:": the sender's alarm about an assignee who cannot be told is for the card."""
        now = self.services.clock.now()
        for n, call in enumerate(calls):
            payload = {**call.payload, "evidence": "photos"} if call.photos else call.payload
            row = await outbox.enqueue(
                self.session,
                chat_id,
                payload,
                now=now,
                method=call.method,
                priority=Priority.DISPATCH,
                dedupe_key=f"media:{dedupe}:{n}" if dedupe else None,
                case_id=case.id,
            )
            if row is not None and not_before is not None:
                row.not_before = not_before

    async def album_grew(self, case: Case) -> None:
        """More photos of the album that opened `case`: the evidence not yet sent carries
        them too (it was held for a moment for them, see ALBUM_WAIT)."""
        rows = await self.session.exec(
            select(OutboxMessage).where(
                OutboxMessage.case_id == case.id,
                OutboxMessage.state == OutboxState.PENDING,
                col(OutboxMessage.method).in_(["sendPhoto", "sendMediaGroup"]),
            )
        )
        evidence = await report_evidence(self.session, case)
        for row in rows:
            if row.payload.get("evidence") != "photos":
                continue
            i18n = await self.i18n(row.chat_id, case)
            first = evidence_calls(i18n, case, evidence)[0]
            row.method = first.method
            row.payload = {**first.payload, "evidence": "photos"}
            self.session.add(row)

    def album_hold(self, case: Case) -> datetime | None:
        """A case opened by an album: what goes to its assignee waits a moment, so that the
        album's other photos (separate messages, a moment apart) go with the first."""
        if case.media_group_id is None:
            return None
        until = case.created_at + ALBUM_WAIT
        return until if until > self.services.clock.now() else None

    async def send_file(
        self,
        chat_id: int,
        data: bytes,
        *,
        photo: bool = False,
        filename: str | None = None,
        caption: str | None = None,
        priority: Priority = Priority.BULK,
        dedupe: str | None = None,
    ) -> bool:
        """A document (or, `photo`, a picture) into the outbox; False: queued before (dedupe)."""
        payload = {
            "data": base64.b64encode(data).decode(),
            "filename": filename,
            "caption": caption,
        }
        row = await outbox.enqueue(
            self.session,
            chat_id,
            payload,
            now=self.services.clock.now(),
            method="sendPhoto" if photo else "sendDocument",
            priority=priority,
            dedupe_key=dedupe,
        )
        return row is not None

    async def names(self, case: Case) -> tuple[Category | None, Alley | None]:
        category = await self.session.get(Category, case.category_id) if case.category_id else None
        alley = await self.session.get(Alley, case.alley_id) if case.alley_id else None
        return category, alley

    async def reporter_label(self, case: Case, i18n: I18n) -> str:
        # Nothing is looked up for an anonymous report: its reporter stays unread.
        member = user = None
        if not case.anonymous:
            if case.reporter_member_id:
                member = await self.session.get(Member, case.reporter_member_id)
            if member is None and case.reporter_telegram_id is not None:
                user = await self.session.get(TelegramUser, case.reporter_telegram_id)
        return reporter_label(i18n, case, member, user)

    # -- to members -----------------------------------------------------------------------

    async def assignment(
        self,
        case: Case,
        member: Member,
        note: str | None = None,
        dedupe: str | None = None,
        rework: bool = False,
    ) -> None:
        """The assignee's message, with the buttons to act on the case (as rework: the case
        sent back as not fixed)."""
        if member.telegram_id is None:
            return
        i18n = await self.i18n(member.telegram_id, case)
        text, keyboard = await self.card(case, member.telegram_id, note, rework, i18n)
        # The evidence first, the card last: the message to act on is the latest one.
        hold = self.album_hold(case)
        evidence = await report_evidence(self.session, case)
        calls = evidence_calls(i18n, case, evidence)
        await self.media(member.telegram_id, calls, case, dedupe=dedupe, not_before=hold)
        await self.send(
            member.telegram_id,
            text,
            keyboard,
            dedupe=dedupe,
            case_id=case.id,
            card={"note": note, "rework": rework},
            not_before=hold,
        )

    async def card(
        self,
        case: Case,
        telegram_id: int,
        note: str | None = None,
        rework: bool = False,
        i18n: I18n | None = None,
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The dispatch card as `telegram_id` reads it (in `i18n`, when the caller has it),
        for the case as it now stands."""
        i18n = i18n or await self.i18n(telegram_id, case)
        category, alley = await self.names(case)
        return dispatch_card(
            i18n,
            case,
            category,
            alley,
            reporter=await self.reporter_label(case, i18n),
            spot=await self.vending_spot(case, category),
            note=note,
            rework=rework,
            contact=await contact_of(self.session, case),
        )

    async def correct_cards(self, case: Case) -> int:
        """The reporter changed what handlers may know of him (name hidden, phone allowed):
        the cards of the case are rewritten, those not yet sent in the outbox and those sent
        by an edit. Returns how many were corrected."""
        rows = await self.session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case.id, OutboxMessage.method == "sendMessage")
            .order_by(col(OutboxMessage.id))
        )
        corrected = 0
        for row in list(rows):
            made = row.payload.get("card")
            if not isinstance(made, dict):
                continue
            text, keyboard = await self.card(
                case, row.chat_id, made.get("note"), bool(made.get("rework"))
            )
            if text == row.payload.get("text"):
                continue
            markup = keyboard.to_dict() if keyboard else None
            if row.state == OutboxState.PENDING:
                row.payload = {**row.payload, "text": text, "reply_markup": markup}
                self.session.add(row)
            elif row.state == OutboxState.SENT and row.telegram_message_id:
                params: dict[str, Any] = {
                    "chat_id": row.chat_id,
                    "message_id": row.telegram_message_id,
                    "text": text,
                }
                if markup is not None:
                    params["reply_markup"] = markup
                await outbox.enqueue(
                    self.session,
                    row.chat_id,
                    {"params": params},
                    now=self.services.clock.now(),
                    method="editMessageText",
                    case_id=case.id,
                )
            else:
                continue
            corrected += 1
        return corrected

    async def vending_spot(self, case: Case, category: Category | None) -> VendingSpot | None:
        if category is None or category.code != "street_vendor":
            return None
        alley = await self.session.get(Alley, case.alley_id) if case.alley_id else None
        if case.lat is not None and case.lon is not None:
            here = (case.lat, case.lon)
        elif alley is not None and alley.path:
            middle = alley.path[len(alley.path) // 2]
            here = (middle[0], middle[1])
        else:
            return None
        spots = list(
            await self.session.exec(
                select(VendingSpot).where(VendingSpot.street_id == case.street_id)
            )
        )
        return min(spots, key=lambda s: haversine_m(here, (s.lat, s.lon)), default=None)

    async def assists(self, case: Case, not_before: datetime | None = None) -> None:
        rows = await self.session.exec(
            select(Assignment).where(
                Assignment.case_id == case.id,
                Assignment.role == AssignmentRole.ASSIST,
                Assignment.state == AssignmentState.PENDING,
                col(Assignment.member_id).is_not(None),
            )
        )
        for assignment in rows:
            member = await self.session.get(Member, assignment.member_id)
            if member is None or member.telegram_id is None:
                continue
            i18n = await self.i18n(member.telegram_id, case)
            category, alley = await self.names(case)
            text, keyboard = assist_request(i18n, case, category, alley, assignment)
            await self.send(
                member.telegram_id,
                text,
                keyboard,
                dedupe=f"assist:{assignment.id}",
                not_before=not_before,
            )

    async def group_post(
        self,
        case: Case,
        who: str,
        dedupe: str | None = None,
        until: datetime | None = None,
        assignment: int | None = None,
    ) -> None:
        if not self.services.config.dispatch.post_to_group:
            return
        community = (
            await self.session.get(Community, case.community_id) if case.community_id else None
        )
        street = await self.session.get(Street, case.street_id) if case.street_id else None
        chat_id = (
            community.group_chat_id
            if community and community.group_chat_id
            else street.group_chat_id
            if street
            else None
        )
        if chat_id is None:
            return
        i18n = self.services.i18n(None, street.timezone if street else None)
        category, alley = await self.names(case)
        text = group_post(i18n, case, category, alley, who)
        await self.hold_or_send(
            chat_id,
            case,
            "group",
            text,
            until=until,
            dedupe=dedupe,
            data={"assignment": assignment},
        )

    async def triage(
        self, case: Case, note: str, dedupe: str | None = None, until: datetime | None = None
    ) -> None:
        """The street's coordinators are asked to assign the case (`until`: held for the
        digest at the end of the quiet hours)."""
        for telegram_id in await street_coordinators(self.session, case.street_id):
            i18n = await self.i18n(telegram_id, case)
            category, alley = await self.names(case)
            text, keyboard = triage_question(i18n, case, category, alley, note)
            await self.hold_or_send(
                telegram_id,
                case,
                "triage",
                text,
                keyboard,
                until=until,
                dedupe=f"{dedupe}:{telegram_id}" if dedupe else None,
            )

    async def announce(self, case: Case) -> None:
        """Everyone who hears of a new case, from what the database says about it.

        Every notice carries a key, so announcing again (a replayed update after a crash
        between the case and its notices) tells nobody twice.
        """
        rows = list(
            await self.session.exec(
                select(Assignment).where(Assignment.case_id == case.id).order_by(col(Assignment.id))
            )
        )
        lead = next(
            (
                a
                for a in reversed(rows)
                if a.role == AssignmentRole.LEAD and a.state == AssignmentState.PENDING
            ),
            None,
        )
        assignee = (
            await self.session.get(Member, lead.member_id) if lead and lead.member_id else None
        )
        # At night a case that can wait is told in the morning's digest.
        until = await self.new_case_waits_until(case)
        if lead is not None and assignee is not None:
            if until is None:
                await self.assignment(case, assignee, dedupe=f"dispatch:{lead.id}")
            elif assignee.telegram_id is not None:
                await held.hold(
                    self.session,
                    assignee.telegram_id,
                    case,
                    "dispatch",
                    now=self.services.clock.now(),
                    release_at=until,
                    data={"assignment": lead.id},
                    dedupe_key=f"dispatch:{lead.id}",
                )
            await self.assists(case, not_before=until)
        category, alley = await self.names(case)
        for copy in (a for a in rows if a.role == AssignmentRole.COPY):
            chief = await self.session.get(Member, copy.member_id) if copy.member_id else None
            if chief is None or chief.telegram_id in (None, case.reporter_telegram_id):
                continue
            assert chief.telegram_id is not None
            i18n = await self.i18n(chief.telegram_id, case)
            handler = await self.lead_label(case, i18n) if assignee is not None else None
            await self.hold_or_send(
                chief.telegram_id,
                case,
                "copy",
                street_chief_copy(i18n, case, category, alley, handler),
                until=await self.quiet_until(case),
                dedupe=f"copy:{copy.id}",
            )
        if case.state == CaseState.TRIAGE:
            await self.triage(
                case, N_("no rule found its handler."), dedupe=f"triage:{case.id}", until=until
            )
        elif lead is not None:
            who = await self.lead_label(case, self.services.i18n())
            await self.group_post(
                case,
                who,
                dedupe=f"group:{lead.id}",
                until=await self.quiet_until(case),
                assignment=lead.id,
            )

    async def departure(self, departure: Departure, also: int | None = None) -> None:
        """A member left: the unit heads get the cases they now hold, and the street
        coordinators (and `also`, who deactivated him) hear which cases moved where."""
        if not departure.moved:
            return
        for moved in departure.moved:
            if moved.to is not None and moved.to.telegram_id is not None:
                i18n = await self.i18n(moved.to.telegram_id, moved.case)
                note = reassigned_note(i18n, departure.member)
                await self.assignment(moved.case, moved.to, note=note)
        recipients = await street_coordinators(self.session, departure.member.street_id)
        if also is not None and also not in recipients:
            recipients.append(also)
        names = [await self.names(moved.case) for moved in departure.moved]
        for telegram_id in recipients:
            i18n = await self.i18n(telegram_id, departure.moved[0].case)
            text, keyboard = departure_summary(i18n, departure, names)
            await self.send(telegram_id, text, keyboard)

    # -- to the reporter ------------------------------------------------------------------

    async def followers(self, case: Case) -> list[int]:
        """The reporter and whoever reported the same problem again."""
        ids = [case.reporter_telegram_id] if case.reporter_telegram_id else []
        for again in await self.session.exec(
            select(Case.reporter_telegram_id).where(Case.duplicate_of_id == case.id)
        ):
            if again is not None and again not in ids:
                ids.append(again)
        return ids

    async def progress(
        self,
        case: Case,
        kind: str,
        skip: int | Collection[int] | None = None,
        reason: str = "",
        until: datetime | None = None,
    ) -> None:
        """Every follower hears the same step (the reporter and who reported it again), but
        `skip`: who pressed, or who was asked in a message of their own. Each reads it in his
        language, with who has the case now named in it. `until`: held for the digest at the
        end of the quiet hours (a step no one took just now)."""
        skipped = {skip} if isinstance(skip, int) else set(skip or ())
        for telegram_id in await self.followers(case):
            if telegram_id in skipped:
                continue
            i18n = await self.i18n(telegram_id, case)
            who = await self.lead_label(case, i18n) if kind in NAMES_LEAD else ""
            text = progress_notice(i18n, case, kind, who, reason)
            if until is None:
                await self.send(telegram_id, text)
            else:
                await self.hold_or_send(
                    telegram_id,
                    case,
                    kind,
                    text,
                    until=until,
                    dedupe=f"{kind}:{case.id}:{telegram_id}",
                )

    async def verification(self, case: Case, note: str | None) -> None:
        """Done: the reporter (else the alley's street chief) is asked whether it is fixed;
        whoever else reported it hears that it is reported handled, as the reporter does."""
        asked = await verifiers(self.session, case)
        after = await fix_photos(self.session, case, latest_only=True)
        before = (await report_evidence(self.session, case)).photos[:1] if after else []
        for telegram_id in asked:
            i18n = await self.i18n(telegram_id, case)
            category, alley = await self.names(case)
            text, keyboard = verification_question(i18n, case, category, alley, note)
            pair = before_after(i18n, case, before[0] if before else None, after)
            await self.media(telegram_id, pair, case)
            await self.send(telegram_id, text, keyboard)
        await self.progress(case, "done", skip=asked)

    async def lead_label(self, case: Case, i18n: I18n) -> str:
        lead = (
            await self.session.exec(
                select(Assignment)
                .where(Assignment.case_id == case.id, Assignment.role == AssignmentRole.LEAD)
                .order_by(col(Assignment.id).desc())
            )
        ).first()
        party = await self.session.get(Party, lead.party_id) if lead and lead.party_id else None
        member = await self.session.get(Member, lead.member_id) if lead and lead.member_id else None
        return lead_label(i18n, party, member)


async def street_coordinators(session: AsyncSession, street_id: int | None) -> list[int]:
    """Telegram ids of the street-wide coordinators who have joined."""
    ids = []
    for member in await session.exec(
        select(Member)
        .where(
            Member.street_id == street_id,
            Member.role == Role.COORDINATOR,
            col(Member.active).is_(True),
            col(Member.telegram_id).is_not(None),
        )
        .order_by(col(Member.id))
    ):
        assert member.id is not None and member.telegram_id is not None
        if not await member_areas(session, member.id):
            ids.append(member.telegram_id)
    return ids
