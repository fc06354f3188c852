"""Whatever arrives, the parsers answer clearly and never crash (hypothesis)."""

from __future__ import annotations

import asyncio
import math
import random
import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fakegram import FakeUser
from models.classify import Classifier, load_categories
from models.roster_spec import RosterError, parse_roster
from models.text import compact, has_meaning, pinyin_key
from models.when import parse_when
from services.config import ConfigError, _validate
from tests.harness import BotHarness
from views.callbacks import as_area, as_int, unpack

CLASSIFIER = Classifier(load_categories())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.text(max_size=300))
def test_text_forms_and_classification_take_anything(text: str) -> None:
    compact(text)
    pinyin_key(text)
    has_meaning(text)
    verdict = CLASSIFIER.classify(text)
    assert verdict.best in CLASSIFIER.categories
    assert all(score > 0 for _code, score in verdict.ranked)


@given(st.text(max_size=80))
def test_button_data_parses_or_says_no(data: str) -> None:
    result = unpack(data, "mb", 2)
    assert result is None or len(result) == 2
    ref = as_area(data)
    assert ref is None or ref.kind in ("community", "block", "alley")
    number = as_int(data)
    assert number is None or str(number).zfill(len(data)) == data  # ASCII digits, nothing else


@given(st.text(max_size=40))
def test_dates_typed_by_people(text: str) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    when = parse_when(text, ZoneInfo("Asia/Shanghai"), datetime(2026, 11, 26, tzinfo=UTC))
    assert when is None or when.tzinfo is not None


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(
            ["street", "parties", "alleys", "members", "blocks", "communities", "meetings", "junk"]
        ),
        json_values,
    )
)
def test_any_roster_document_is_accepted_or_refused_with_one_line(data: dict[str, Any]) -> None:
    try:
        parse_roster(data, "x.toml")
    except RosterError as exc:
        assert str(exc).startswith("x.toml: ") and "\n" not in str(exc)


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(["telegram", "database", "app", "intake", "calendar"]),
        st.dictionaries(st.text(max_size=12), json_values, max_size=3),
    )
)
def test_any_configuration_is_accepted_or_refused_with_one_line(data: dict[str, Any]) -> None:
    try:
        _validate(data, "c.toml")
    except ConfigError as exc:
        assert str(exc).startswith("c.toml: ") and "\n" not in str(exc)


async def test_forged_button_data_always_gets_a_polite_answer(bot: BotHarness) -> None:
    rng = random.Random(7)
    user = FakeUser(900001, "小王")
    [menu] = await bot.replies(bot.api.send_command(user, "/language"))
    prefixes = ["", "lang:", "mb:", "ma:", "iv:", "lg:", "cm:", "rp:", "cs:", "mt:", "join:"]
    alphabet = string.ascii_letters + string.digits + ":_-"
    for _ in range(60):
        data = rng.choice(prefixes) + "".join(
            rng.choice(alphabet) for _ in range(rng.randint(0, 30))
        )
        exchange = await bot.exchange(bot.api.press(user, menu, data[:64] or "x"))
        methods = [r.method for r in exchange]
        assert methods and methods[0] == "answerCallbackQuery", (data, methods)
        assert "sendMessage" not in methods or all(
            "抱歉，系统出了点问题" not in r.text for r in exchange
        ), data
    await asyncio.sleep(0)


@given(
    st.floats(-60, 60),
    st.floats(-179, 179),
    st.floats(0, 360),
    st.floats(0, 1),
    st.floats(1, 500),
)
def test_the_box_around_a_point_holds_every_point_within_its_radius(
    lat: float, lon: float, bearing: float, fraction: float, radius: float
) -> None:
    from models.geo import around, haversine_m

    # A point `fraction` of the radius away, in any direction (flat-earth step, then checked).
    step = fraction * radius * 0.999
    north = step * math.cos(math.radians(bearing))
    east = step * math.sin(math.radians(bearing))
    other = (
        lat + math.degrees(north / 6_371_008.8),
        lon + math.degrees(east / 6_371_008.8) / math.cos(math.radians(lat)),
    )
    if haversine_m((lat, lon), other) > radius:
        return  # the flat step overshot: not a point within the radius
    south, north_edge, west, east_edge = around((lat, lon), radius)
    assert south <= other[0] <= north_edge and west <= other[1] <= east_edge
