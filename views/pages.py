"""The public web pages a resident reads (a signboard's report page, a case's public page,
an alley's known problems, and what is said when something is refused), as HTML from the
templates in views/templates/, in the reader's language. Jinja2 escapes every value.

What a person may learn here: categories, places, states, dates, units. Never a name, a
phone or a Telegram id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from locales.i18n import N_, I18n
from models.cases import Case, CaseAction, Category
from models.open311 import Note
from models.org import Alley, Party, Street
from models.web_reports import TEXT_MAX
from views.case_text import category_name, state_name
from views.labels import local_name
from views.open311 import note_text

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Why a report or a press was refused, as the page says it.
PROBLEMS = {
    "unknown_board": N_(
        "This code is no longer in use: the signboard may have been replaced. Please report "
        "through the street office's Telegram bot or its supervision line."
    ),
    "unknown_case": N_("There is no such case page. Please check the address."),
    "text_missing": N_("Please say in a few words what is wrong."),
    "text_long": N_("That is longer than we can take (at most 1,000 characters)."),
    "photos_many": N_("At most three photos, please."),
    "photo_bad": N_("One of the files is not a photo we can read. Please send JPEG or PNG."),
    "photo_big": N_("The photos are too large. Please send smaller ones."),
    "phone": N_("That does not look like a phone number. Please check it, or leave it empty."),
    "too_many": N_("Too many reports from here just now. Please try again in an hour."),
    "alley_busy": N_(
        "This alley has had very many reports in the last hour. Please try again later."
    ),
    "not_sent": N_("Your report could not be sent. Please try again."),
    "busy": N_("The service is busy. Please try again in a minute."),
    "alley": N_("This alley is no longer served here."),
    "verdict_late": N_("Thank you: this case is no longer waiting for that answer."),
}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    return env


def render(i18n: I18n, template: str, **values: Any) -> str:
    env = _environment()
    template_ = env.get_template(template)

    def gettext(message: str, **values: Any) -> str:
        text = i18n.gettext(message)
        return text % values if values else text

    def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
        return i18n.ngettext(singular, plural, n) % {"num": n, **values}

    return template_.render(
        lang="zh-CN" if i18n.locale == "zh_CN" else "en",
        _=gettext,
        gettext=gettext,
        ngettext=ngettext,
        **values,
    )


def place_name(i18n: I18n, street: Street, alley: Alley | None) -> str:
    return (
        f"{local_name(i18n, street)} · {local_name(i18n, alley)}"
        if alley
        else local_name(i18n, street)
    )


def problem(i18n: I18n, code: str, back: str | None = None) -> str:
    return render(
        i18n,
        "problem.html",
        title=i18n.gettext("LaneKeeper"),
        heading=i18n.gettext("Sorry"),
        subheading=None,
        message=i18n.gettext(PROBLEMS[code]),
        back=back,
    )


def report_form(
    i18n: I18n,
    street: Street,
    alley: Alley,
    action: str,
    alley_url: str,
    known: int,
    nonce: str = "",
) -> str:
    return render(
        i18n,
        "report_form.html",
        nonce=nonce,
        title=i18n.gettext("Report a problem"),
        heading=local_name(i18n, alley),
        subheading=i18n.gettext("{street}: report a problem in this alley").format(
            street=local_name(i18n, street)
        ),
        action=action,
        alley_url=alley_url,
        known=known,
        text_max=TEXT_MAX,
    )


@dataclass(frozen=True)
class Step:
    when: str
    text: str


def case_page(
    i18n: I18n,
    case: Case,
    category: Category | None,
    street: Street,
    alley: Alley | None,
    party: Party | None,
    history: list[Note],
    *,
    banner: str | None = None,
    banner_more: str | None = None,
    ask: bool = False,
    verdict_url: str = "",
    rate: bool = False,
    rate_url: str = "",
    photos: list[str] | None = None,
    alley_url: str | None = None,
    units: dict[str | int, Party] | None = None,
) -> str:
    return render(
        i18n,
        "case.html",
        title=i18n.gettext("Case #{number}").format(number=case.number),
        heading=category_name(i18n, category),
        subheading=place_name(i18n, street, alley),
        banner=banner,
        banner_more=banner_more,
        number=case.number,
        category=category_name(i18n, category),
        place=place_name(i18n, street, alley),
        state=state_name(i18n, case.state),
        handler=local_name(i18n, party) if party else None,
        due=i18n.format_when(case.due_at) if case.due_at else None,
        reports=case.report_count,
        ask=ask,
        verdict_url=verdict_url,
        rate=rate,
        rate_url=rate_url,
        timeline=[
            Step(i18n.format_when(n.event.at), step_text(i18n, n, units or {})) for n in history
        ],
        photos=photos or [],
        alley_url=alley_url,
    )


def step_text(i18n: I18n, note: Note, units: dict[str | int, Party]) -> str:
    """A step of the timeline; a dispatch names its unit."""
    if note.event.action in (CaseAction.ROUTE, CaseAction.ASSIGN):
        party = note.event.data.get("party") if isinstance(note.event.data, dict) else None
        unit = units.get(party) if isinstance(party, str | int) else None
        if unit is not None:
            return i18n.gettext("Dispatched to {unit}.").format(unit=local_name(i18n, unit))
    return note_text(i18n, note)


def filed_banner(
    i18n: I18n, case: Case, party: Party | None, repeat: bool
) -> tuple[str, str | None]:
    """What the answer page says first: the number, who handles it and by when."""
    _ = i18n.gettext
    if repeat:
        return (
            _(
                "This problem was already reported as case #{number}: your report is added to it."
            ).format(number=case.number),
            None,
        )
    first = _("Received: case #{number}.").format(number=case.number)
    when = i18n.format_when(case.due_at) if case.due_at else "—"
    if party is None:
        more = _("The street office assigns it to the right unit; it should be handled by {when}.")
        return first, more.format(when=when)
    return first, _("Handled by {unit}, by {when}.").format(unit=local_name(i18n, party), when=when)


@dataclass(frozen=True)
class Known:
    number: int | None
    category: str
    state: str
    age: str
    plus_url: str | None


def alley_page(
    i18n: I18n,
    street: Street,
    alley: Alley,
    known: list[Known],
    report_url: str,
    banner: str | None = None,
) -> str:
    return render(
        i18n,
        "alley.html",
        title=local_name(i18n, alley),
        heading=local_name(i18n, alley),
        subheading=i18n.gettext("{street}: problems known in this alley").format(
            street=local_name(i18n, street)
        ),
        cases=known,
        report_url=report_url,
        banner=banner,
    )


def age(i18n: I18n, created: datetime, now: datetime) -> str:
    if (now - created).total_seconds() < 60:
        return i18n.gettext("just now")
    return i18n.gettext("{duration} ago").format(duration=i18n.format_duration(now - created))


def already_banner(i18n: I18n, number: int) -> str:
    return i18n.gettext("You are counted on case #{number} already. Thank you.").format(
        number=number
    )


def plus_banner(i18n: I18n, number: int | None, counted: bool) -> str:
    if counted:
        return i18n.gettext("Thank you: case #{number} counts you too.").format(number=number)
    return i18n.gettext("Case #{number} is no longer open.").format(number=number)
