"""Distances on the Earth's surface, at the scale of a street (metres, not continents)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

EARTH_RADIUS_M = 6_371_008.8

Point = tuple[float, float]  # (latitude, longitude) in degrees


def haversine_m(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def around(point: Point, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): a box holding every point within radius_m of point."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(point[0])), 1e-6)
    return point[0] - dlat, point[0] + dlat, point[1] - dlon, point[1] + dlon


def path_length_m(path: Sequence[Sequence[float]]) -> float:
    return sum(haversine_m((p[0], p[1]), (q[0], q[1])) for p, q in pairwise(path))


def distance_to_path_m(point: Point, path: Sequence[Sequence[float]]) -> float:
    """Shortest distance from a point to a polyline.

    Over a few hundred metres an equirectangular projection around the point is exact
    to centimetres, so each segment is handled as a flat line.
    """
    if not path:
        return math.inf
    lat0 = math.radians(point[0])
    scale_x = EARTH_RADIUS_M * math.cos(lat0) * math.pi / 180
    scale_y = EARTH_RADIUS_M * math.pi / 180

    def xy(p: Sequence[float]) -> tuple[float, float]:
        return (p[1] - point[1]) * scale_x, (p[0] - point[0]) * scale_y

    if len(path) == 1:
        x, y = xy(path[0])
        return math.hypot(x, y)
    best = math.inf
    for start, end in pairwise(path):
        ax, ay = xy(start)
        bx, by = xy(end)
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def bounding_box(path: Sequence[Sequence[float]]) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon)."""
    lats = [p[0] for p in path]
    lons = [p[1] for p in path]
    return min(lats), max(lats), min(lons), max(lons)
