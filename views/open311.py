"""What other systems read through Open311 GeoReport v2: services, service requests and their
public history, as plain data the web adapter writes out as JSON or XML.

Never in it: who reported (name, phone, Telegram id), who handles (a person's name); an
anonymous case does not even say by which channel it came. A photo is given by a link only
where the street publishes them and the link is one the filing system gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring
from zoneinfo import ZoneInfo

from locales.i18n import N_, I18n
from models.cases import CaseAction, CaseAttachment
from models.classify import CategorySpec
from models.open311 import Note, status_of
from models.open311_queries import Shown
from models.org import Party
from views.case_text import category_name
from views.labels import local_name

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00Z"
KEYWORDS_SHOWN = 12

_NOTE_TEXTS: dict[CaseAction, str] = {
    CaseAction.CREATE: N_("Report received."),
    CaseAction.ROUTE: N_("Dispatched to the responsible unit."),
    CaseAction.ASSIGN: N_("Dispatched to the responsible unit."),
    CaseAction.TO_TRIAGE: N_("Waiting for the street office to assign it."),
    CaseAction.HAND_BACK: N_("Handed back to the street office to be assigned again."),
    CaseAction.RELEASE: N_("Handed back to the street office to be assigned again."),
    CaseAction.ACCEPT: N_("The unit is handling it."),
    CaseAction.POSTPONE: N_("The deadline was extended."),
    CaseAction.FINISH: N_("Reported fixed; waiting to be verified."),
    CaseAction.CONFIRM: N_("Verified as fixed and closed."),
    CaseAction.CLOSE_BY_DEFAULT: N_("Closed: nobody said it was not fixed in time."),
    CaseAction.REOPEN: N_("Not fixed when verified: back to the unit."),
    CaseAction.REOPEN_CLOSED: N_("The problem came back: reopened."),
    CaseAction.NOT_ACCEPT: N_("Not accepted: not a matter for the street."),
    CaseAction.TRANSFER: N_("Transferred to a body outside the street's linkage group."),
}
_DUPLICATE = N_("A repeat of another report: followed there.")
_VOIDED = N_("Closed without action.")


# What identifies a person in free text: phone and ID numbers (seven digits or more, with
# the separators people type) and e-mail addresses. Names cannot be told from words.
_NUMBER = re.compile(r"\+?\d[\d\s\-()（）]{5,}\d[\dXx]?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
MASK = "***"


def masked(text: str) -> str:
    """The text with phone numbers, ID numbers and e-mail addresses replaced by ***."""
    text = _EMAIL.sub(MASK, text)
    return _NUMBER.sub(
        lambda m: MASK if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text
    )


def stamp(value: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 with the street's offset, to the second."""
    return value.astimezone(tz).isoformat(timespec="seconds")


def note_text(i18n: I18n, note: Note) -> str:
    action = CaseAction(note.event.action)
    if action == CaseAction.VOID:
        duplicate = isinstance(note.event.data, dict) and note.event.data.get("duplicate_of")
        return i18n.gettext(_DUPLICATE if duplicate else _VOIDED)
    return i18n.gettext(_NOTE_TEXTS[action])


def discovery(public_url: str, contact: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": contact,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{public_url}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def service(i18n: I18n, spec: CategorySpec, group: Party | None) -> dict[str, Any]:
    words = [k.split(":")[0] for k in spec.raw_keywords]
    # The keywords of the reader's script: Chinese ones for Chinese, the others for English.
    chinese = i18n.locale == "zh_CN"
    words = [w for w in words if w.isascii() != chinese][:KEYWORDS_SHOWN]
    return {
        "service_code": spec.code,
        "service_name": category_name(i18n, spec),
        "description": _deadline(i18n, spec),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(words),
        "group": local_name(i18n, group) if group is not None else spec.lead,
    }


def _deadline(i18n: I18n, spec: CategorySpec) -> str:
    if spec.deadline_working_days:
        return i18n.ngettext(
            "Handled within {n} working day.",
            "Handled within {n} working days.",
            spec.deadline_working_days,
        ).format(n=spec.deadline_working_days)
    hours = int(spec.deadline_hours or 0)
    return i18n.ngettext("Handled within {n} hour.", "Handled within {n} hours.", hours).format(
        n=hours
    )


def definition(spec: CategorySpec) -> dict[str, Any]:
    """No service asks for attributes of its own: the description says it all."""
    return {"service_code": spec.code, "attributes": []}


def request(
    i18n: I18n,
    shown: Shown,
    *,
    with_notes: bool,
    media: Sequence[CaseAttachment] = (),
) -> dict[str, Any]:
    case = shown.case
    tz = ZoneInfo(shown.street.timezone)
    latest = shown.notes[-1] if shown.notes else None
    lat, lon = case.lat, case.lon
    if (lat is None or lon is None) and shown.alley is not None and shown.alley.path:
        # No location was given: the alley's middle point stands for it.
        middle = shown.alley.path[len(shown.alley.path) // 2]
        lat, lon = middle[0], middle[1]
    item: dict[str, Any] = {
        "service_request_id": str(case.number),
        "status": status_of(case),
        "status_notes": note_text(i18n, latest) if latest else "",
        "service_name": category_name(i18n, shown.category),
        "service_code": shown.category.code if shown.category else "",
        "description": masked(case.text),
        "agency_responsible": local_name(i18n, shown.party) if shown.party else "",
        "service_notice": "",
        "requested_datetime": stamp(case.created_at, tz),
        "updated_datetime": stamp(shown.updated, tz),
        "expected_datetime": stamp(case.due_at, tz) if case.due_at else "",
        "address": masked(case.address) if case.address else _address(i18n, shown),
        "address_id": shown.alley.code if shown.alley else "",
        "zipcode": "",
        "lat": lat if lat is not None else "",
        "long": lon if lon is not None else "",
        "media_url": media[0].file_id if media else "",
        "jurisdiction_id": shown.street.code,
    }
    if shown.channel is not None:
        item["channel"] = shown.channel
    if with_notes:
        item["notes"] = [
            {
                "update_id": str(note.event.id),
                "status": str(note.state),
                "updated_datetime": stamp(note.event.at, tz),
                "description": note_text(i18n, note),
            }
            for note in shown.notes
        ]
    return item


def _address(i18n: I18n, shown: Shown) -> str:
    street = local_name(i18n, shown.street)
    alley = local_name(i18n, shown.alley) if shown.alley else ""
    return f"{street} {alley}".strip() if i18n.locale != "zh_CN" else f"{street}{alley}"


def created(number: int, notice: str, account_id: str | None) -> dict[str, Any]:
    return {"service_request_id": str(number), "service_notice": notice, "account_id": account_id}


def waiting(token: str, notice: str) -> dict[str, Any]:
    return {"token": token, "service_notice": notice}


def filed_notice(i18n: I18n, number: int, due: datetime | None, tz: ZoneInfo) -> str:
    if due is None:
        return i18n.gettext("Received as case #{number}.").format(number=number)
    return i18n.gettext("Received as case #{number}; to be handled by {when}.").format(
        number=number, when=stamp(due, tz)
    )


def triage_notice(i18n: I18n) -> str:
    return i18n.gettext(
        "Received; the street office assigns it to a unit. The token gives its number."
    )


def repeat_notice(i18n: I18n, number: int) -> str:
    return i18n.gettext(
        "Already reported as case #{number}, which is being handled; this report is added to it."
    ).format(number=number)


def error(code: int, description: str) -> dict[str, Any]:
    return {"code": code, "description": description}


# XML ---------------------------------------------------------------------------------------

# The element each list's items take, as GeoReport's examples name them.
_ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "notes": "note",
}


def xml(root: str, content: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> bytes:
    """`<root>`: the fields of one object, or one child per object of a list."""
    element = Element(root)
    if isinstance(content, Mapping):
        _fill(element, content)
    else:
        for item in content:
            _fill(SubElement(element, _ITEM_NAMES.get(root, "item")), item)
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(element, encoding="unicode").encode()
    )


def _fill(element: Element, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        child = SubElement(element, name)
        if isinstance(value, list):
            for item in value:
                grandchild = SubElement(child, _ITEM_NAMES.get(name, "item"))
                if isinstance(item, Mapping):
                    _fill(grandchild, item)
                else:
                    grandchild.text = _text(item)
        elif isinstance(value, Mapping):
            _fill(child, value)
        else:
            child.text = _text(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
