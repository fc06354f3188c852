"""A case's evidence as Bot API calls, by Telegram file id only (nothing is uploaded again):
one photo by sendPhoto, several as albums (sendMediaGroup, at most 10 a group), the place
as sendVenue or sendLocation, voice notes, videos and files each by their own method."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from locales.i18n import I18n
from models.cases import Case, CaseAttachment
from models.evidence import Evidence

ALBUM_MAX = 10  # Telegram's limit for one sendMediaGroup
# Attachment kinds and how each is sent by file id.
FILE_METHODS = {
    "photo": "sendPhoto",
    "voice": "sendVoice",
    "video": "sendVideo",
    "audio": "sendAudio",
    "document": "sendDocument",
    "video_note": "sendVideoNote",
}


@dataclass(frozen=True)
class MediaCall:
    method: str
    payload: dict[str, Any]
    photos: bool = False  # the report's photos: an album still arriving may add to it


def photo_calls(items: Sequence[tuple[str, str | None]], photos: bool = False) -> list[MediaCall]:
    """Photos (file id, caption) as albums of at most ten; a lone photo as a photo."""
    calls = []
    for start in range(0, len(items), ALBUM_MAX):
        chunk = items[start : start + ALBUM_MAX]
        if len(chunk) == 1:
            file_id, caption = chunk[0]
            calls.append(MediaCall("sendPhoto", {"file_id": file_id, "caption": caption}, photos))
        else:
            media = [
                {"type": "photo", "media": file_id, **({"caption": caption} if caption else {})}
                for file_id, caption in chunk
            ]
            calls.append(MediaCall("sendMediaGroup", {"media": media}, photos))
    return calls


def photos_caption(i18n: I18n, case: Case, count: int) -> str:
    return i18n.ngettext(
        "Case #{number}: the photo sent with the report",
        "Case #{number}: the photos sent with the report",
        count,
    ).format(number=case.number)


def evidence_calls(
    i18n: I18n, case: Case, evidence: Evidence, fixed: Sequence[CaseAttachment] = ()
) -> list[MediaCall]:
    """What the reporter sent (and, for /case, the photos of the fix after it): the photos
    first, then the place, then voice notes, videos and files."""
    _ = i18n.gettext
    photos = evidence.photos
    items: list[tuple[str, str | None]] = [
        (
            p.file_id,
            (_("Before") if fixed else photos_caption(i18n, case, len(photos))) if n == 0 else None,
        )
        for n, p in enumerate(photos)
    ]
    after = _("After") if photos else fix_caption(i18n, case)
    items += [(p.file_id, after if n == 0 else None) for n, p in enumerate(fixed)]
    calls = photo_calls(items, photos=bool(photos))
    venue = next((a for a in evidence.attachments if a.kind == "venue"), None)
    if evidence.lat is not None and evidence.lon is not None:
        place = {"latitude": evidence.lat, "longitude": evidence.lon}
        if venue is not None and venue.caption:
            title, _sep, address = venue.caption.partition("\n")
            calls.append(MediaCall("sendVenue", {**place, "title": title, "address": address}))
        else:
            calls.append(MediaCall("sendLocation", place))
    for attachment in evidence.attachments:
        method = FILE_METHODS.get(attachment.kind)
        if method is None or attachment.kind == "photo":
            continue
        payload: dict[str, Any] = {"file_id": attachment.file_id}
        if attachment.kind != "video_note":  # a round video takes no caption
            caption = (
                _("Case #{number}: the voice note sent with the report")
                if attachment.kind == "voice"
                else _("Case #{number}: a file sent with the report")
            )
            payload["caption"] = caption.format(number=case.number)
        calls.append(MediaCall(method, payload))
    return calls


def fix_caption(i18n: I18n, case: Case) -> str:
    return i18n.gettext("Case #{number}: the photo of the fix").format(number=case.number)


def before_after(
    i18n: I18n, case: Case, before: CaseAttachment | None, after: Sequence[CaseAttachment]
) -> list[MediaCall]:
    """The photo of the fix for the one who verifies it: beside the report's first photo
    ("Before", "After") when there is one."""
    _ = i18n.gettext
    items: list[tuple[str, str | None]] = [(before.file_id, _("Before"))] if before else []
    caption = _("After") if before else fix_caption(i18n, case)
    items += [(p.file_id, caption if n == 0 else None) for n, p in enumerate(after)]
    return photo_calls(items) if after else []
