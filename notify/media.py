"""Bot API calls of media by Telegram file id, from the plain payloads views/evidence.py builds
and the outbox keeps: used by the sender for queued rows and by handlers answering now."""

from __future__ import annotations

from typing import Any

from telegram import (
    Bot,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
)

MEDIA_METHODS = frozenset(
    {
        "sendPhoto",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendVoice",
        "sendVideo",
        "sendAudio",
        "sendDocument",
        "sendVideoNote",
    }
)
_INPUT_MEDIA = {
    "photo": InputMediaPhoto,
    "video": InputMediaVideo,
    "document": InputMediaDocument,
    "audio": InputMediaAudio,
}


async def deliver(
    bot: Bot, chat_id: int, method: str, payload: dict[str, Any], **kwargs: Any
) -> int | None:
    """Make the call; the id of the (first) message sent."""
    file_id = str(payload.get("file_id"))
    caption = payload.get("caption")
    sent: Message
    if method == "sendMediaGroup":
        media = [
            _INPUT_MEDIA[item.get("type", "photo")](
                media=item["media"], caption=item.get("caption")
            )
            for item in payload["media"]
        ]
        group = await bot.send_media_group(chat_id, media, **kwargs)
        return int(group[0].message_id) if group else None
    if method == "sendLocation":
        sent = await bot.send_location(
            chat_id, latitude=payload["latitude"], longitude=payload["longitude"], **kwargs
        )
    elif method == "sendVenue":
        sent = await bot.send_venue(
            chat_id,
            latitude=payload["latitude"],
            longitude=payload["longitude"],
            title=payload["title"],
            address=payload.get("address") or "",
            **kwargs,
        )
    elif method == "sendPhoto":
        sent = await bot.send_photo(chat_id, photo=file_id, caption=caption, **kwargs)
    elif method == "sendVoice":
        sent = await bot.send_voice(chat_id, voice=file_id, caption=caption, **kwargs)
    elif method == "sendVideo":
        sent = await bot.send_video(chat_id, video=file_id, caption=caption, **kwargs)
    elif method == "sendAudio":
        sent = await bot.send_audio(chat_id, audio=file_id, caption=caption, **kwargs)
    elif method == "sendDocument":
        sent = await bot.send_document(chat_id, document=file_id, caption=caption, **kwargs)
    elif method == "sendVideoNote":
        sent = await bot.send_video_note(chat_id, video_note=file_id, **kwargs)
    else:
        raise ValueError(f"not a media method: {method}")
    return int(sent.message_id)
