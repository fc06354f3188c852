"""What a resident is told when what he sent cannot be (all of) a report: a file that is
no picture, a picture too large, a voice note the bot cannot understand."""

from __future__ import annotations

from locales.i18n import I18n

# Telegram lets a bot download files up to 20 MB: a larger "photo" could never be kept or
# looked at by the bot, and no phone's photo is that large.
MAX_IMAGE_BYTES = 20 * 1024 * 1024


def file_not_taken(i18n: I18n) -> str:
    return i18n.gettext(
        "I can only take photos, videos and voice notes with a report, not files like this "
        "one. Please tell me in words what the problem is and where; a photo helps."
    )


def image_too_large(i18n: I18n) -> str:
    return i18n.gettext(
        "That picture is too large for me (over 20 MB). Please send it as a photo rather than "
        "as a file, or take a new one; nothing was recorded."
    )


def voice_needs_words(i18n: I18n) -> str:
    return i18n.gettext(
        "I have kept your voice note with the report, but I cannot listen to it. Please tell "
        "me in words what the problem is and where it is (the alley's name, or share a "
        "location)."
    )
