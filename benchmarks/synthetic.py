"""Synthetic streets for benchmarks: many alleys, a full linkage group, plausible reports."""

from __future__ import annotations

from typing import Any

PARTIES = [
    "street_office",
    "community",
    "enforcement",
    "sanitation",
    "construction",
    "commerce",
    "planning",
    "environment",
    "traffic_police",
    "local_units",
]
# One confident phrasing per category, to be put after an alley's name.
PHRASES = {
    "garbage": "门口的垃圾好几天没人清理了",
    "small_ads": "墙上贴满了小广告",
    "street_vendor": "有人摆摊卖菜，路都堵了",
    "wall_breaking_shop": "有户人家破墙开店",
    "illegal_building": "有人私搭乱建铁皮房",
    "small_business": "有个黑网吧无证经营",
    "illegal_parking": "人行道上停满了汽车",
    "road_damage": "路面有个大坑",
    "street_light": "路灯不亮了",
    "greenery": "大树倒了压在路边",
    "noise_fumes": "饭店油烟太大",
}


def street_roster(
    index: int,
    alleys: int = 50,
    communities: int = 5,
    telegram_base: int = 5_000_000,
    extra_chiefs: int = 0,
) -> dict[str, Any]:
    """A street with `alleys` alleys in `communities` communities, its linkage group, and
    `extra_chiefs` more street chiefs (one alley each)."""
    code = f"s{index:03d}"
    lat0, lon0 = 30.0 + index * 0.05, 120.0 + index * 0.05
    doc: dict[str, Any] = {
        "street": {"code": code, "name": f"第{index}街道"},
        "parties": [{"code": p, "name": f"{code}-{p}"} for p in PARTIES],
        "communities": [
            {"code": f"{code}c{c}", "name": f"第{index}街道第{c}社区"} for c in range(communities)
        ],
        "alleys": [],
        "members": [],
    }
    for a in range(alleys):
        community = a % communities
        lat, lon = lat0 + (a // 10) * 0.002, lon0 + (a % 10) * 0.002
        doc["alleys"].append(
            {
                "code": f"{code}a{a}",
                "name": f"{index}号{a}巷",
                "community": f"{code}c{community}",
                "length_m": 100 + a % 400,
                "path": [[lat, lon], [lat + 0.001, lon + 0.001]],
            }
        )
    tid = telegram_base + index * 1000
    doc["members"].append(
        {
            "name": f"{code}协调员",
            "telegram_id": tid,
            "role": "coordinator",
            "party": "street_office",
        }
    )
    for p, party in enumerate(PARTIES):
        doc["members"].append(
            {
                "name": f"{code}{party}负责人",
                "telegram_id": tid + 10 + p,
                "role": "unit_head",
                "party": party,
            }
        )
        for c in range(communities):
            doc["members"].append(
                {
                    "name": f"{code}{party}联络员{c}",
                    "telegram_id": tid + 100 + p * 20 + c,
                    "role": "liaison",
                    "party": party,
                    "communities": [f"{code}c{c}"],
                }
            )
    for c in range(communities):
        mine = [f"{code}a{a}" for a in range(alleys) if a % communities == c][:10]
        doc["members"].append(
            {
                "name": f"{code}街长{c}",
                "telegram_id": tid + 600 + c,
                "role": "street_chief",
                "alleys": mine,
            }
        )
    for extra in range(extra_chiefs):
        doc["members"].append(
            {
                "name": f"{code}街长x{extra}",
                "telegram_id": tid + 700 + extra,
                "role": "street_chief",
                "alleys": [f"{code}a{extra % alleys}"],
            }
        )
    return doc


def report_texts(index: int, alleys: int, count: int) -> list[str]:
    """Reports that each name a different (alley, category): none is a duplicate."""
    categories = list(PHRASES)
    texts = []
    for n in range(count):
        alley = n % alleys
        category = categories[(n // alleys) % len(categories)]
        texts.append(f"{index}号{alley}巷{PHRASES[category]}")
    return texts
