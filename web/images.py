"""Photos sent from the report page, checked to be photos and drawn again as JPEG at most
1,600 px on a side: no metadata (EXIF location, camera, time) survives. The location is read
first, and kept only when the resident asked for it."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from models.web_reports import Photo

MAX_SIDE = 1600
QUALITY = 82
# Decoded, a photo this size takes ~100 MB: beyond it, a "photo" is a bomb, not a picture.
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG", "PNG", "WEBP", "MPO", "GIF", "BMP"}


class NotAPhoto(ValueError):
    pass


@dataclass(frozen=True)
class Read:
    photo: Photo
    location: tuple[float, float] | None


def read(data: bytes, want_location: bool) -> Read:
    """The photo, re-encoded; NotAPhoto for anything that is not one we can read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if getattr(image, "format", None) not in FORMATS:
                raise NotAPhoto(str(getattr(image, "format", None)))
            if image.width * image.height > MAX_PIXELS:
                raise NotAPhoto("too many pixels")
            location = _location(image) if want_location else None
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=QUALITY, optimize=True)
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        SyntaxError,
    ) as err:
        raise NotAPhoto(str(err)) from None
    return Read(Photo(out.getvalue(), image.width, image.height), location)


def _location(image: Image.Image) -> tuple[float, float] | None:
    try:
        gps = image.getexif().get_ifd(0x8825)
        lat, lon = _degrees(gps[2]), _degrees(gps[4])
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if gps.get(1) == "S":
        lat = -lat
    if gps.get(3) == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _degrees(value: tuple[float, float, float]) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600
