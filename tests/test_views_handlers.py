"""The views the handlers reply with, as plain functions: no database, no bot."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from locales.i18n import I18n
from models.cases import Case, CaseState
from models.meeting_rule import MAX_RULE_LENGTH, RuleProblem, RuleRefusal
from models.meetings import ActionItem, MeetingOccurrence, MeetingSeries, OccurrenceState
from models.org import Alley, Community, Member, Party, Street
from models.typed_due import read_due
from views import case_replies, meeting_settings, meeting_texts, minutes, postpone_dates, triage
from views.case_buttons import (
    HAND_BACK_REASONS,
    approval_keyboard,
    case_buttons,
    hand_back_keyboard,
    postpone_keyboard,
    stars_keyboard,
)
from views.dispatch_notices import action_keyboard
from views.meeting_list import Listed, coming_meetings

ZH = I18n("zh_CN", "Asia/Shanghai")
EN = I18n("en", "Asia/Shanghai")


def case(state: CaseState = CaseState.DISPATCHED, **fields: object) -> Case:
    return Case(id=7, number=12, street_id=1, state=state, **fields)


def data(keyboard: object) -> list[list[str]]:
    rows = getattr(keyboard, "inline_keyboard", ())
    return [[str(b.callback_data) for b in row] for row in rows]


def texts(keyboard: object) -> list[list[str]]:
    return [[b.text for b in row] for row in getattr(keyboard, "inline_keyboard", ())]


def test_case_buttons_assignee_and_coordinator() -> None:
    c = case(CaseState.DISPATCHED)
    keyboard = case_buttons(EN, c, action_keyboard(EN, c), coordinator=True)
    assert data(keyboard) == [["cs:a:7", "cs:d:7"], ["cs:p:7", "cs:b:7"], ["cs:t:7"]]
    assert texts(keyboard)[-1] == ["Assign to someone else"]


def test_case_buttons_coordinator_of_a_case_in_triage_assigns() -> None:
    keyboard = case_buttons(ZH, case(CaseState.TRIAGE), None, coordinator=True)
    assert data(keyboard) == [["cs:t:7"]]
    assert texts(keyboard) == [[ZH.gettext("Assign")]]


def test_case_buttons_nothing_to_press() -> None:
    assert case_buttons(EN, case(CaseState.DONE), None, coordinator=True) is None
    assert case_buttons(EN, case(CaseState.ACCEPTED), None, coordinator=False) is None


def test_hand_back_keyboard_has_every_reason_and_another() -> None:
    keyboard = hand_back_keyboard(EN, case())
    assert data(keyboard) == [[f"cs:B:7:{code}"] for code in HAND_BACK_REASONS] + [
        ["cs:B:7:other"],
        ["qx:hand_back:7:m"],
    ]
    assert texts(keyboard)[-2:] == [["Another reason (type it)"], ["✖️ Cancel"]]


def test_postpone_keyboard_labels_the_new_due_in_the_street_zone() -> None:
    due = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
    keyboard = postpone_keyboard(EN, case(), [(3, due)])
    assert data(keyboard) == [["cs:P:7:3"], ["cs:Pt:7"], ["qx:postpone:7:m"]]
    assert texts(keyboard) == [["Dec 1 10:30"], ["📅 Another date…"], ["✖️ Cancel"]]


def test_approval_and_stars() -> None:
    assert data(approval_keyboard(EN, case())) == [["cs:Y:7:y", "cs:Y:7:n"]]
    assert texts(approval_keyboard(EN, case())) == [["Approve", "Refuse"]]
    assert data(stars_keyboard(case())) == [
        ["cs:s:7:1", "cs:s:7:2", "cs:s:7:3"],
        ["cs:s:7:4", "cs:s:7:5"],
    ]


def test_replies_in_both_languages() -> None:
    due = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    c = case(due_at=due)
    assert case_replies.postponement_decision(EN, c, True) == (
        "Postponement of case #12 approved: now due Dec 1 10:30."
    )
    assert case_replies.approval_request(EN, case(), due, "rain") == (
        "Postponement asked for case #12: from — to Dec 1 10:30. Reason: rain"
    )
    assert "12" in case_replies.finished(ZH, c) and case_replies.finished(ZH, c) != (
        case_replies.finished(EN, c)
    )


def test_triage_list_counts_all_and_lists_those_shown() -> None:
    alley = Alley(street_id=1, block_id=1, code="a", name="复兴街")
    text, keyboard = triage.waiting_list(EN, 25, [(case(CaseState.TRIAGE), None, alley)])
    assert text == "Waiting to be assigned (25):\n#12 · — · 复兴街"
    assert data(keyboard) == [["cs:t:7"]]
    assert texts(keyboard) == [["Assign #12"]]


def test_triage_person_choice() -> None:
    party = Party(id=3, street_id=1, code="sw", name="市容所", name_en="City appearance")
    member = Member(id=9, street_id=1, name="刘洋", role="liaison")
    text, keyboard = triage.choose_person(EN, case(), party, [member])
    assert text == "Case #12: to whom in City appearance?"
    assert data(keyboard) == [["cs:tm:7:9"]]
    text, keyboard = triage.choose_person(ZH, case(), party, [])
    assert keyboard is None and "市容所" in text
    text, keyboard = triage.choose_party(EN, case(), [party])
    assert data(keyboard) == [["cs:tp:7:3"]] and text == "Case #12: to which unit?"


STREET = Street(id=1, code="nanxing", name="南星街道", name_en="Nanxing Street")
WEEKLY = MeetingSeries(
    id=4, street_id=1, code="w", community_id=2, kind="community_weekly", rrule="FREQ=WEEKLY"
)
RIVER = Community(id=2, street_id=1, code="r", name="江边社区")
AT = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # 9:30 in Shanghai


def occurrence(state: OccurrenceState = OccurrenceState.SCHEDULED) -> MeetingOccurrence:
    return MeetingOccurrence(
        id=8, series_id=4, original_start=AT, starts_at=AT, place="二楼", state=state
    )


def test_coming_meetings_for_a_manager() -> None:
    text, keyboard = coming_meetings(
        EN, STREET, [Listed(occurrence(), WEEKLY, RIVER, True)], manages_street=True
    )
    assert (
        text == "Coming meetings of Nanxing Street:\n• Dec 7 09:30 江边社区 weekly meeting · 二楼"
    )
    assert data(keyboard) == [["mt:g:8", "mt:P:8", "mt:m:8", "mt:c:8", "mt:n:8"], ["mt:S:1"]]


def test_coming_meetings_cancelled_and_read_only() -> None:
    listed = [Listed(occurrence(OccurrenceState.CANCELLED), WEEKLY, RIVER, True)]
    text, keyboard = coming_meetings(EN, STREET, listed, manages_street=False)
    assert text.endswith(" (cancelled)")
    assert data(keyboard) == [["mt:g:8", "mt:P:8"]]
    text, keyboard = coming_meetings(ZH, STREET, [], manages_street=False)
    assert text.splitlines()[1] == ZH.gettext("none planned") and keyboard is None


def test_cancel_question_and_change_notice() -> None:
    text, keyboard = meeting_texts.cancel_question(EN, occurrence())
    assert text == "Cancel this meeting? The participants will be told."
    assert data(keyboard) == [["mt:C:8"]]
    notice = meeting_texts.change_notice(EN, "Weekly", occurrence(), "cancelled")
    assert notice == "Weekly of Dec 7 09:30 is cancelled."
    assert meeting_texts.change_notice(EN, "Weekly", occurrence(), "moved") == (
        "Weekly is moved to Dec 7 09:30."
    )


def test_series_list_and_new_series_choice() -> None:
    text, keyboard = meeting_settings.series_list(EN, STREET, [(WEEKLY, RIVER)])
    assert text == (
        "Meeting series of Nanxing Street:\n• 江边社区 weekly meeting: every Monday at 09:00 · —"
    )
    assert data(keyboard) == [["mt:r:4", "mt:p:4"], ["mt:w:1"]]
    text, keyboard = meeting_settings.new_series_choice(EN, STREET, False, [(2, RIVER)])
    assert text == "Which meeting?" and data(keyboard) == [["mt:k:1:2"]]
    _text, keyboard = meeting_settings.new_series_choice(EN, STREET, True, [])
    assert data(keyboard) == [["mt:k:1:0"]]


def test_rule_refusals_say_why() -> None:
    too_long = RuleRefusal(RuleProblem.TOO_LONG, "too long")
    assert meeting_settings.rule_refused(EN, too_long) == (
        f"That rule does not work: it is too long (at most {MAX_RULE_LENGTH} characters)."
    )
    for problem in RuleProblem:
        assert meeting_settings.rule_problem(ZH, RuleRefusal(problem, ""))
    assert meeting_settings.saved(EN, []) == "Saved. Next: —"


def test_minutes_owner_and_due_buttons() -> None:
    item = ActionItem(id=5, street_id=1, occurrence_id=8, text="清理堆物")
    party = Party(id=3, street_id=1, code="sw", name="市容所")
    text, keyboard = minutes.choose_owner(EN, item, [party])
    assert text == "Who does it: 清理堆物" and data(keyboard) == [["mt:o:5:3"], ["mt:X:5"]]
    assert texts(keyboard)[-1] == ["✖️ Cancel"]
    text, keyboard = minutes.choose_due(EN, item, party, date(2026, 12, 1))
    assert text == "清理堆物\nOwner: 市容所. Due by?"
    assert data(keyboard) == [[f"mt:d:5:{d}" for d in minutes.DUE_DAYS], ["mt:X:5"]]
    item.due_date = date(2026, 12, 8)
    assert minutes.recorded(EN, item) == "Recorded: 清理堆物 — due Dec 8, 2026."


def test_a_typed_postponement_in_english() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 11, 29, 10, 0, tzinfo=tz)  # a Sunday
    current = datetime(2026, 11, 30, 14, 0, tzinfo=tz)

    def refused(typed: str) -> str:
        return postpone_dates.refused(EN, read_due(typed, tz, now, current), typed, now, current)

    assert refused("whenever").startswith("I could not read a date in “whenever”. Please type")
    assert refused("").startswith("I could not read a date or a time in that. ")
    assert refused("Nov 28 3pm").startswith("Nov 28 (Sat) 15:00 has passed. ")
    assert refused("Nov 30 9am").startswith(
        "Nov 30 (Mon) 09:00 is not later than the current deadline, Nov 30 (Mon) 14:00. "
    )
    assert refused("2027-06-01").startswith("Jun 1 (Tue) 18:00 is more than 90 days away")
    text, keyboard = postpone_dates.confirm(EN, case(), read_due("Dec 10", tz, now, current), True)
    assert text == (
        "New deadline: Dec 10 (Thu) 18:00 (no time given: the end of the working day). Confirm?"
        "\nThat is past the category's limit: a coordinator will approve or refuse."
    )
    stamp = str(int(datetime(2026, 12, 10, 18, 0, tzinfo=tz).timestamp()))
    assert data(keyboard) == [[f"cs:Pc:7:{stamp}", "cs:Pc:7:n"], ["qx:postpone_confirm:7"]]
