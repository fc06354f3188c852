"""Text as the matchers see it: normalised forms and pinyin, tolerant of spacing and typos."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[^\w]+")


def compact(text: str) -> str:
    """NFKC, lower case, no spaces or punctuation: '复兴街 12号！' -> '复兴街12号'."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def words(text: str) -> str:
    """Lower-case words separated by single spaces, padded: ' fuxing st 12 '."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return " " + " ".join(_NOT_WORD.sub(" ", folded).split()) + " "


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


@lru_cache(maxsize=4096)
def pinyin_key(text: str) -> str:
    """Syllables between bars, so matches respect syllable bounds: '|fu|xing|jie|12|'."""
    syllables = lazy_pinyin(compact(text), errors="default")
    return "|" + "|".join(s for s in syllables if s) + "|"


def has_meaning(text: str) -> bool:
    """False for empty, emoji-only or punctuation-only messages."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
