"""Where a report is: an alley named in its text, or the alley nearest a shared location.

Names match on the normalised text (spaces and punctuation ignored), by pinyin (homophone
typos: 桥值巷 for 桥直巷) and in Latin letters ('Fuxing Street', 'qiaozhi xiang'). The
longest match wins; one name shared by alleys of two streets is a question, not a guess.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.geo import distance_to_path_m
from models.org import Alley, Block
from models.text import compact, has_cjk, pinyin_key, words

# English words for the parts of Chinese street names, as residents write them.
_LATIN_PARTS = {
    "street": "jie",
    "st": "jie",
    "lane": "xiang",
    "alley": "xiang",
    "road": "lu",
    "rd": "lu",
    "south": "nan",
    "north": "bei",
    "east": "dong",
    "west": "xi",
    "old": "lao",
}
EXACT, PINYIN, LATIN, FUZZY = 3.0, 2.0, 2.0, 1.8


@dataclass(frozen=True)
class Place:
    alley_id: int
    street_id: int
    community_id: int
    block_id: int
    code: str
    name: str
    path: tuple[tuple[float, float], ...]
    bbox: tuple[float, float, float, float]
    keys_compact: tuple[str, ...] = field(compare=False)
    keys_pinyin: tuple[str, ...] = field(compare=False)
    keys_latin: tuple[str, ...] = field(compare=False)
    keys_fuzzy: tuple[str, ...] = field(compare=False, default=())
    keys_loose: tuple[str, ...] = field(compare=False, default=())
    names: tuple[str, ...] = field(compare=False, default=())
    name_en: str | None = field(compare=False, default=None)  # the roster's, to show


@dataclass(frozen=True)
class PlaceMatch:
    place: Place
    score: float
    how: str  # "name", "pinyin", "latin", "location"
    distance_m: float | None = None


def latin_form(text: str) -> str:
    """'Fuxing South St.' -> 'fuxingnanjie': English street words in pinyin, run together;
    tone marks dropped ('Qīnghé xiàng' -> 'qinghexiang')."""
    bare = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return "".join(_LATIN_PARTS.get(w, w) for w in words(bare).split())


# How a name is also written: 二弄 as 2弄, and 弄 as Wu speakers say it (long, 石子龙).
_DIGITS = {
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}


def _written_forms(name: str) -> set[str]:
    forms = {name}
    if any(ch in _DIGITS for ch in name):
        forms.add("".join(_DIGITS.get(ch, ch) for ch in name))
    return forms


def _spoken_forms(key: str) -> set[str]:
    return {key, key.replace("|nong|", "|long|")} if "|nong|" in key else {key}


_RETROFLEX = re.compile(r"\|(z|c|s)h")
_INITIAL_N = re.compile(r"\|n(?=[aeiou])")
_FINAL_NG = re.compile(r"(in|en|an)g\|")


def fuzzy(key: str) -> str:
    """Pinyin as the south hears it (模糊音): zh/z, ch/c, sh/s, n/l, -ng/-n made one, so
    that 双进街 finds 双井街. Applied to a name's key and to the text alike."""
    key = _RETROFLEX.sub(r"|\1", key)
    key = _INITIAL_N.sub("|l", key)
    while True:
        shorter = _FINAL_NG.sub(r"\1|", key)
        if shorter == key:
            return key
        key = shorter


def _place(alley: Alley, community_id: int) -> Place:
    names = [alley.name, *alley.aliases]
    cjk = [n for n in names if has_cjk(n)]
    spoken = {form for n in cjk for form in _spoken_forms(pinyin_key(n))}
    latin = {latin_form(n) for n in names if not has_cjk(n)}
    latin |= {key.replace("|", "") for key in spoken}
    # "Lanhua Lane" for 兰花弄: English writes every small street a lane (a real 兰花巷
    # beside it wins: a looser key scores less).
    loose = {key[: -len("nong")] + "xiang" for key in latin if key.endswith("nong")}
    assert alley.id is not None
    return Place(
        alley_id=alley.id,
        street_id=alley.street_id,
        community_id=community_id,
        block_id=alley.block_id,
        code=alley.code,
        name=alley.name,
        path=tuple((p[0], p[1]) for p in alley.path),
        bbox=(alley.min_lat or 0, alley.max_lat or 0, alley.min_lon or 0, alley.max_lon or 0),
        keys_compact=tuple(
            {compact(form) for n in names for form in _written_forms(n) if compact(form)}
        ),
        keys_pinyin=tuple(key for key in spoken if key.count("|") >= 3),
        # Three syllables at least: a fuzzy two-syllable name would turn up everywhere.
        keys_fuzzy=tuple({fuzzy(key) for key in spoken if key.count("|") >= 4}),
        keys_latin=tuple(k for k in latin if len(k) >= 4),
        keys_loose=tuple(k for k in loose - latin if len(k) >= 4),
        names=tuple(sorted(names, key=len, reverse=True)),
        name_en=alley.name_en,
    )


class PlaceIndex:
    def __init__(self, places: Iterable[Place], radius_m: float = 150.0) -> None:
        self.places = list(places)
        self.radius_m = radius_m
        self.by_id = {p.alley_id: p for p in self.places}

    def in_text(self, text: str) -> list[PlaceMatch]:
        """Alleys named in the text, best first; several only when they tie."""
        if not text:
            return []
        text_compact, text_pinyin, text_latin = compact(text), pinyin_key(text), latin_form(text)
        text_fuzzy = fuzzy(text_pinyin)
        found: list[tuple[PlaceMatch, str]] = []
        for place in self.places:
            best: PlaceMatch | None = None
            matched = ""
            for key in place.keys_compact:
                if key in text_compact and (best is None or len(key) * EXACT > best.score):
                    best, matched = PlaceMatch(place, len(key) * EXACT, "name"), key
            for key in place.keys_pinyin:
                syllables = key.count("|") - 1
                if key in text_pinyin and (best is None or syllables * PINYIN > best.score):
                    best, matched = PlaceMatch(place, syllables * PINYIN, "pinyin"), key
            for key in place.keys_fuzzy:
                score = (key.count("|") - 1) * FUZZY
                if key in text_fuzzy and (best is None or score > best.score):
                    best, matched = PlaceMatch(place, score, "pinyin"), key
            for key in place.keys_latin:
                score = len(key) / 3 * LATIN
                if key in text_latin and (best is None or score > best.score):
                    best, matched = PlaceMatch(place, score, "latin"), key
            for key in place.keys_loose:
                score = len(key) / 3 * FUZZY
                if key in text_latin and (best is None or score > best.score):
                    best, matched = PlaceMatch(place, score, "latin"), key
            if best is not None:
                found.append((best, matched))
        if not found:
            return []
        # A name inside a longer matched name (城巷 in 江城巷) is not a second place.
        found = [
            (m, key)
            for m, key in found
            if not any(key != other and key in other for _o, other in found)
        ]
        top = max(m.score for m, _key in found)
        return sorted((m for m, _key in found if m.score == top), key=lambda m: m.place.code)

    def without_names(self, text: str) -> str:
        """The text with every alley name taken out, so that 桥直巷 does not read as 纸箱."""
        for place in self.places:
            for name in place.names:
                if name in text:
                    text = text.replace(name, " ")
        return text

    def near(self, lat: float, lon: float) -> PlaceMatch | None:
        """The alley whose course passes nearest, if within the radius."""
        dlat = self.radius_m / 111_320
        dlon = self.radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
        best: PlaceMatch | None = None
        for place in self.places:
            min_lat, max_lat, min_lon, max_lon = place.bbox
            if not (
                min_lat - dlat <= lat <= max_lat + dlat and min_lon - dlon <= lon <= max_lon + dlon
            ):
                continue
            distance = distance_to_path_m((lat, lon), place.path)
            if distance <= self.radius_m and (best is None or distance < (best.distance_m or 0)):
                best = PlaceMatch(place, 1.0, "location", round(distance, 1))
        return best

    def likely(self, text: str, community_id: int | None, limit: int = 6) -> list[Place]:
        """Alleys to offer when the text names none: partial names first, then the community's."""
        text_compact = compact(text)
        partial = [
            p
            for p in self.places
            if any(len(k) >= 3 and k[:2] in text_compact for k in p.keys_compact)
        ]
        mine = [
            p for p in self.places if community_id is not None and p.community_id == community_id
        ]
        seen: dict[int, Place] = {}
        for place in [*partial, *mine]:
            seen.setdefault(place.alley_id, place)
        return list(seen.values())[:limit]


async def load_places(
    session: AsyncSession, radius_m: float = 150.0, street_ids: Sequence[int] | None = None
) -> PlaceIndex:
    query = select(Alley, Block.community_id).join(Block, Block.id == Alley.block_id)  # type: ignore[arg-type]
    if street_ids is not None:
        query = query.where(Alley.street_id.in_(street_ids))  # type: ignore[attr-defined]
    rows = await session.exec(query)
    return PlaceIndex((_place(alley, community_id) for alley, community_id in rows), radius_m)
