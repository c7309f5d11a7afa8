"""탄력순찰 patrol requests (순찰신문고, nationwide since 2017): cluster, rank, plan, log, tell.

Residents ask for patrols at a place and a time window; the unit groups the requests, ranks the
places and hours, patrols them and tells the requesters. This module is pure: plain data in,
dataclasses out; the service stores and sends.

Rules
-----
* **Place key.** ``place_key`` joins the parts (e.g. 행정동 and a place name), applies Unicode
  NFKC (full-width Latin becomes ASCII, Hangul is composed), folds case (Latin) and folds every
  run of whitespace to one space, trimmed. Requests, incidents and patrol logs meet on this key.
  Pages show a place as a resident or officer wrote it, not its key: ``place_names`` gives
  each key the first-seen spelling (of the earliest request; whitespace folded, case kept).
* **Windows.** ``start_hour`` 0–23, ``end_hour`` 0–24; an end before the start crosses midnight
  (22–02 is 22, 23, 0, 1); 0–24 is the whole day; an equal start and end is refused.
* **Time bands.** Default 00–06, 06–10, 10–14, 14–18, 18–22, 22–24; any bands that cover 0–24
  without holes or overlaps may be given. A request weighs 1 in total, spread over the bands in
  proportion to the hours of its window in each (22–02 gives 22–24 and 00–06 one half each), so
  band sums always equal the number of requests.
* **Clusters.** Requests with the same key share a place. With ``merge_within_m``, places with
  coordinates (the mean of their requests' lat/lon) are merged greedily: places taken by request
  count (then key), each joins the first cluster whose seed lies within that distance
  (haversine, Earth radius 6,371,008.8 m), or seeds a new one; the seed's key names the cluster.
  Places without coordinates stay alone.
* **Score and ranking.** A (place, band) cell exists where requests fall. ``incidents`` (e.g.
  112 calls from a CSV) maps (place key, hour) to a count; a cell's incidents are the sum over
  its places and the hours of its band (incidents of places nobody asked about are ignored).
  ``score = requests + w × incidents`` with w = 0.5 by default. Cells are ordered by score, then
  requests, then incidents (all descending), then place key and band start; ``rank`` is the
  competition rank of the score (equal scores share a rank: 1, 2, 2, 4).
* **Plan.** The top N cells; patrols per week = ⌈7 × score / top score⌉, clamped to 1–7 (the top
  cell daily, every planned cell at least weekly). The grid counts, per place and hour, the
  requests whose window covers that hour.
* **Quarters.** Requests are reset each quarter: those made in the quarter of ``today`` (or
  later) are active, earlier ones are archived history, returned, never dropped. The focused
  request period is the first 14 days (configurable) of a quarter.
* **Coverage.** A patrol counts for the plan cell of its place's cluster and the band of its
  hour (KST), in the Monday–Sunday week asked about; a cell is covered with at least one patrol.
* **Notices.** A requester is told once, of the first patrol strictly after the request was made
  (a request known only by its date counts from that day's start) at the request's place cluster
  in a band its window overlaps — and only when the request has contact data and consent.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from minwon.timeutil import KST

DEFAULT_INCIDENT_WEIGHT = 0.5
DEFAULT_FOCUS_DAYS = 14
EARTH_RADIUS_M = 6_371_008.8
MAX_PER_WEEK = 7

Incidents = Mapping[tuple[str, int], int]


def place_key(*parts: str) -> str:
    """The key under which a place's requests, incidents and patrols meet (see the module
    docstring); idempotent, so a key may be passed again."""
    text = unicodedata.normalize("NFKC", " ".join(parts)).casefold()
    return " ".join(unicodedata.normalize("NFKC", text).split())


def place_name(place: str) -> str:
    """A place as written, trimmed with each run of whitespace folded to one space (case and
    characters kept, so "QA-PATROL" stays "QA-PATROL")."""
    return " ".join(place.split())


def place_names(requests: Iterable[PatrolRequest]) -> dict[str, str]:
    """Each place key → how it was first written: the spelling of the earliest request made
    with that key (requests made at the same moment: the one given first)."""
    names: dict[str, str] = {}
    for r in sorted(requests, key=lambda r: r.made):
        names.setdefault(r.key, place_name(r.place))
    return names


def _as_kst(at: date | datetime) -> datetime:
    """A moment in Korean time: aware values converted, naive ones and dates taken as KST."""
    if not isinstance(at, datetime):
        return datetime.combine(at, time(0), tzinfo=KST)
    return at.astimezone(KST) if at.utcoffset() is not None else at.replace(tzinfo=KST)


def _kst_day(at: date | datetime) -> date:
    """The Korean-time date of a day or a moment."""
    return _as_kst(at).date()


@dataclass(frozen=True, order=True)
class Band:
    """Hours ``start`` (inclusive) to ``end`` (exclusive) of a day, 0 ≤ start < end ≤ 24."""

    start: int
    end: int

    def __post_init__(self) -> None:
        """Refuse a band that is not a stretch of one day."""
        if not 0 <= self.start < self.end <= 24:
            raise ValueError(f"a band runs from 0–23 to a later hour up to 24, got {self}")

    @property
    def label(self) -> str:
        """How the band is shown, e.g. ``22–24``."""
        return f"{self.start:02d}–{self.end:02d}"

    @property
    def hours(self) -> range:
        """The hours of the day in the band."""
        return range(self.start, self.end)


DEFAULT_BANDS: tuple[Band, ...] = tuple(
    Band(a, b) for a, b in ((0, 6), (6, 10), (10, 14), (14, 18), (18, 22), (22, 24))
)


def _check_bands(bands: Sequence[Band]) -> tuple[Band, ...]:
    """Bands in order, after checking they cover 0–24 with no hole or overlap."""
    ordered = tuple(sorted(bands))
    if [hour for band in ordered for hour in band.hours] != list(range(24)):
        raise ValueError("bands must cover hours 0–24 without holes or overlaps")
    return ordered


def band_of(hour: int, bands: Sequence[Band] = DEFAULT_BANDS) -> Band:
    """The band holding ``hour`` (0–23)."""
    for band in bands:
        if hour in band.hours:
            return band
    raise ValueError(f"hour {hour} is in no band")


def window_hours(start_hour: int, end_hour: int) -> tuple[int, ...]:
    """The hours a window covers, in order; an end before the start crosses midnight."""
    if not (0 <= start_hour <= 23 and 0 <= end_hour <= 24) or start_hour == end_hour:
        raise ValueError(f"bad time window {start_hour}–{end_hour}")
    length = end_hour - start_hour if end_hour > start_hour else 24 - start_hour + end_hour
    return tuple((start_hour + i) % 24 for i in range(length))


@dataclass(frozen=True)
class PatrolRequest:
    """One resident's request: where, from when, which hours, why, and may we tell them."""

    request_id: str
    place: str
    made_at: date | datetime
    start_hour: int
    end_hour: int
    reason: str = ""
    lat: float | None = None
    lon: float | None = None
    has_contact: bool = False
    consented: bool = False

    def __post_init__(self) -> None:
        """Refuse a request that could not be placed, timed or told."""
        if not self.request_id:
            raise ValueError("a request needs an id")
        if not self.key:
            raise ValueError(f"request {self.request_id}: empty place")
        window_hours(self.start_hour, self.end_hour)
        if (self.lat is None) != (self.lon is None):
            raise ValueError(f"request {self.request_id}: give both lat and lon or neither")
        if self.lat is not None and self.lon is not None:
            if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
                raise ValueError(f"request {self.request_id}: coordinates out of range")

    @property
    def key(self) -> str:
        """The normalised place key."""
        return place_key(self.place)

    @property
    def made(self) -> datetime:
        """When the request was made, in KST."""
        return _as_kst(self.made_at)

    @property
    def may_notify(self) -> bool:
        """Whether the requester left contact data and agreed to be told."""
        return self.has_contact and self.consented


def spread(request: PatrolRequest, bands: Sequence[Band] = DEFAULT_BANDS) -> dict[Band, Fraction]:
    """A request's weight of 1 spread over the bands, by the hours of its window in each."""
    hours = window_hours(request.start_hour, request.end_hour)
    per_band = Counter(band_of(h, bands) for h in hours)
    return {band: Fraction(n, len(hours)) for band, n in per_band.items()}


@dataclass(frozen=True)
class PlaceCluster:
    """Places patrolled as one: its key (the seed's), member keys, seed position, requests."""

    key: str
    members: tuple[str, ...]
    lat: float | None
    lon: float | None
    requests: int


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _place_positions(requests: Iterable[PatrolRequest]) -> dict[str, tuple[float, float] | None]:
    """Each place key's mean position over its requests with coordinates (None without any)."""
    points: dict[str, list[tuple[float, float]]] = {}
    for r in requests:
        pts = points.setdefault(r.key, [])
        if r.lat is not None and r.lon is not None:
            pts.append((r.lat, r.lon))
    return {
        key: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)) if pts else None
        for key, pts in points.items()
    }


def cluster_places(
    requests: Sequence[PatrolRequest], merge_within_m: float | None = None
) -> tuple[PlaceCluster, ...]:
    """Group places by key, and by distance when ``merge_within_m`` is given (greedy, see the
    module docstring); clusters by request count, then key."""
    if merge_within_m is not None and merge_within_m < 0:
        raise ValueError("merge_within_m must be 0 or more")
    counts = Counter(r.key for r in requests)
    positions = _place_positions(requests)
    seeds: list[tuple[str, tuple[float, float] | None, list[str]]] = []
    for key in sorted(counts, key=lambda k: (-counts[k], k)):
        pos = positions[key]
        home = None
        if merge_within_m and pos is not None:
            near = (
                s for s in seeds if s[1] is not None and haversine_m(*s[1], *pos) <= merge_within_m
            )
            home = next(near, None)
        if home is None:
            seeds.append((key, pos, [key]))
        else:
            home[2].append(key)
    clusters = (
        PlaceCluster(
            key,
            tuple(m),
            lat=pos[0] if pos is not None else None,
            lon=pos[1] if pos is not None else None,
            requests=sum(counts[k] for k in m),
        )
        for key, pos, m in seeds
    )
    return tuple(sorted(clusters, key=lambda c: (-c.requests, c.key)))


def _place_of(clusters: Iterable[PlaceCluster]) -> dict[str, str]:
    """Member place key → cluster key."""
    return {member: c.key for c in clusters for member in c.members}


@dataclass(frozen=True)
class Cell:
    """One (place cluster, band) with its spread request weight, incidents, score and rank."""

    place: str
    band: Band
    requests: float
    request_ids: tuple[str, ...]
    incidents: int
    score: float
    rank: int


def _cell_incidents(
    incidents: Incidents, place_of: Mapping[str, str], bands: Sequence[Band]
) -> Counter[tuple[str, Band]]:
    """Incident counts per (cluster, band) for the places that have requests."""
    totals: Counter[tuple[str, Band]] = Counter()
    for (place, hour), count in incidents.items():
        if not 0 <= hour <= 23 or count < 0:
            raise ValueError(f"bad incident count {count} at {place!r}, hour {hour}")
        cluster = place_of.get(place_key(place))
        if cluster is not None:
            totals[(cluster, band_of(hour, bands))] += count
    return totals


def _ranked(
    requests: Sequence[PatrolRequest],
    incidents: Incidents | None,
    bands: tuple[Band, ...],
    weight: float,
    place_of: Mapping[str, str],
) -> list[tuple[Fraction, Cell]]:
    """Cells with their exact scores, in rank order (see ``rank_cells``), each cell's place
    as first written (``place_names``; ranked by its key)."""
    if weight < 0:
        raise ValueError("incident weight must be 0 or more")
    weights: dict[tuple[str, Band], Fraction] = defaultdict(Fraction)
    ids: dict[tuple[str, Band], list[str]] = defaultdict(list)
    for r in requests:
        for band, share in spread(r, bands).items():
            weights[(place_of[r.key], band)] += share
            ids[(place_of[r.key], band)].append(r.request_id)
    calls = _cell_incidents(incidents or {}, place_of, bands)
    scored = [(w + Fraction(weight) * calls[k], w, calls[k], k) for k, w in weights.items()]
    scored.sort(key=lambda s: (-s[0], -s[1], -s[2], s[3][0], s[3][1]))
    names = place_names(requests)
    out: list[tuple[Fraction, Cell]] = []
    for i, (score, w, n, (place, band)) in enumerate(scored):
        rank = out[-1][1].rank if out and out[-1][0] == score else i + 1
        shown = names.get(place, place)
        cell = Cell(shown, band, float(w), tuple(ids[(place, band)]), n, float(score), rank)
        out.append((score, cell))
    return out


def rank_cells(
    requests: Sequence[PatrolRequest],
    *,
    incidents: Incidents | None = None,
    bands: Sequence[Band] = DEFAULT_BANDS,
    weight: float = DEFAULT_INCIDENT_WEIGHT,
    merge_within_m: float | None = None,
) -> tuple[Cell, ...]:
    """(place, band) cells ranked by ``requests + weight × incidents`` (module docstring)."""
    place_of = _place_of(cluster_places(requests, merge_within_m))
    ranked = _ranked(requests, incidents, _check_bands(bands), weight, place_of)
    return tuple(cell for _, cell in ranked)


def per_week(score: float | Fraction, top_score: float | Fraction) -> int:
    """Patrols per week for a cell: ⌈7 × score / top score⌉, at least 1 and at most 7."""
    if top_score <= 0:
        return 1
    share = Fraction(score) / Fraction(top_score)
    return max(1, min(MAX_PER_WEEK, math.ceil(MAX_PER_WEEK * share)))


@dataclass(frozen=True)
class PlanEntry:
    """One planned cell: where, when, how often a week, and why (its score and requests).
    ``requests`` is the cell's spread request weight and ``incidents`` its incident count, the
    two terms of the score, so a page can show how the score was reached (a cell touched by 7
    requests whose windows run past its band weighs less than 7)."""

    place: str
    band: Band
    per_week: int
    score: float
    rank: int
    request_ids: tuple[str, ...]
    requests: float = 0.0
    incidents: int = 0


@dataclass(frozen=True)
class GridRow:
    """One place of the display grid: requests covering each hour 0–23, and its request count."""

    place: str
    hours: tuple[int, ...]
    requests: int


@dataclass(frozen=True)
class PatrolPlan:
    """The top cells with their frequencies, the hour grid, and the clustering they used."""

    entries: tuple[PlanEntry, ...]
    grid: tuple[GridRow, ...]
    bands: tuple[Band, ...]
    place_of: Mapping[str, str] = field(default_factory=dict)


def hour_grid(
    requests: Sequence[PatrolRequest], place_of: Mapping[str, str] | None = None
) -> tuple[GridRow, ...]:
    """Per place (cluster) and hour, the requests whose window covers it — for the place × hour
    table that works without a map; rows by request count, then place key; each place as first
    written (``place_names``)."""
    rows: dict[str, list[int]] = {}
    counts: Counter[str] = Counter()
    for r in requests:
        place = (place_of or {}).get(r.key, r.key)
        counts[place] += 1
        row = rows.setdefault(place, [0] * 24)
        for hour in window_hours(r.start_hour, r.end_hour):
            row[hour] += 1
    order = sorted(rows, key=lambda p: (-counts[p], p))
    names = place_names(requests)
    return tuple(GridRow(names.get(p, p), tuple(rows[p]), counts[p]) for p in order)


def patrol_plan(
    requests: Sequence[PatrolRequest],
    *,
    top: int = 10,
    incidents: Incidents | None = None,
    bands: Sequence[Band] = DEFAULT_BANDS,
    weight: float = DEFAULT_INCIDENT_WEIGHT,
    merge_within_m: float | None = None,
) -> PatrolPlan:
    """The patrol plan: the ``top`` ranked cells with patrols per week, and the hour grid."""
    if top < 1:
        raise ValueError("a plan needs at least one cell (top ≥ 1)")
    checked = _check_bands(bands)
    place_of = _place_of(cluster_places(requests, merge_within_m))
    ranked = _ranked(requests, incidents, checked, weight, place_of)[:top]
    best = ranked[0][0] if ranked else Fraction(0)
    entries = tuple(
        PlanEntry(
            c.place,
            c.band,
            per_week(s, best),
            c.score,
            c.rank,
            c.request_ids,
            c.requests,
            c.incidents,
        )
        for s, c in ranked
    )
    return PatrolPlan(entries, hour_grid(requests, place_of), checked, place_of)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: ``number`` 1–4 of ``year``."""

    year: int
    number: int

    def __post_init__(self) -> None:
        """Refuse a quarter that does not exist."""
        if not 1 <= self.number <= 4:
            raise ValueError(f"a quarter is numbered 1–4, got {self.number}")

    @property
    def start(self) -> date:
        """Its first day."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """Its last day."""
        following = date(self.year + self.number // 4, 3 * self.number % 12 + 1, 1)
        return following - timedelta(days=1)


def quarter_of(day: date | datetime) -> Quarter:
    """The quarter a day (or a moment, taken in KST) falls in."""
    d = _kst_day(day)
    return Quarter(d.year, (d.month - 1) // 3 + 1)


def in_focus_period(day: date | datetime, focus_days: int = DEFAULT_FOCUS_DAYS) -> bool:
    """Whether ``day`` lies in the focused request period: the first ``focus_days`` of its
    quarter, when the police ask residents for new requests."""
    if focus_days < 0:
        raise ValueError("focus_days must be 0 or more")
    return (_kst_day(day) - quarter_of(day).start).days < focus_days


@dataclass(frozen=True)
class QuarterSplit:
    """Requests of the current quarter (active) and before it (archived, kept as history)."""

    quarter: Quarter
    active: tuple[PatrolRequest, ...]
    archived: tuple[PatrolRequest, ...]
    focus: bool
    focus_until: date


def split_quarter(
    requests: Iterable[PatrolRequest], today: date, *, focus_days: int = DEFAULT_FOCUS_DAYS
) -> QuarterSplit:
    """The quarterly reset: every request lands in exactly one of active or archived, in the
    order given; ``focus`` tells whether ``today`` is in the focused request period."""
    current = quarter_of(today)
    items = list(requests)
    active = tuple(r for r in items if quarter_of(r.made) >= current)
    archived = tuple(r for r in items if quarter_of(r.made) < current)
    until = current.start + timedelta(days=focus_days - 1)
    return QuarterSplit(current, active, archived, in_focus_period(today, focus_days), until)


@dataclass(frozen=True)
class PatrolLog:
    """One patrol done: where (a place as written or its key) and when."""

    place: str
    at: datetime

    @property
    def key(self) -> str:
        """The normalised place key."""
        return place_key(self.place)


@dataclass(frozen=True)
class Coverage:
    """A plan cell in one week: patrols planned, done, left, and whether any was done."""

    place: str
    band: Band
    per_week: int
    patrols: int
    remaining: int
    covered: bool


def coverage(plan: PatrolPlan, logs: Iterable[PatrolLog], week_of: date) -> tuple[Coverage, ...]:
    """Which plan cells were patrolled in the Monday–Sunday week holding ``week_of``."""
    monday = week_of - timedelta(days=week_of.weekday())
    done: Counter[tuple[str, Band]] = Counter()
    for log in logs:
        at = _as_kst(log.at)
        if monday <= at.date() < monday + timedelta(days=7):
            done[(plan.place_of.get(log.key, log.key), band_of(at.hour, plan.bands))] += 1
    out = []
    for e in plan.entries:
        n = done[(place_key(e.place), e.band)]  # a place as written, or a key (older plans)
        out.append(Coverage(e.place, e.band, e.per_week, n, max(e.per_week - n, 0), n > 0))
    return tuple(out)


@dataclass(frozen=True)
class Notice:
    """Tell the requester of ``request_id`` that ``place`` was patrolled at ``patrolled_at``."""

    request_id: str
    place: str
    band: Band
    patrolled_at: datetime


def notices(
    requests: Iterable[PatrolRequest],
    logs: Iterable[PatrolLog],
    *,
    bands: Sequence[Band] = DEFAULT_BANDS,
    place_of: Mapping[str, str] | None = None,
    already_told: Collection[str] = (),
) -> tuple[Notice, ...]:
    """The "your place was patrolled" notices due: one per consenting requester with contact,
    for the first patrol after their request at their place in a band their window overlaps;
    requests in ``already_told`` are skipped. Pass a plan's ``bands`` and ``place_of``."""
    checked = _check_bands(bands)
    places = place_of or {}
    patrols = [
        (places.get(log.key, log.key), band_of(at.hour, checked), at)
        for log in logs
        for at in [_as_kst(log.at)]
    ]
    out = []
    for r in requests:
        if not r.may_notify or r.request_id in already_told:
            continue
        place, wanted = places.get(r.key, r.key), spread(r, checked)
        made = r.made
        first = min(
            (at for p, band, at in patrols if p == place and band in wanted and at > made),
            default=None,
        )
        if first is not None:
            out.append(Notice(r.request_id, place, band_of(first.hour, checked), first))
    return tuple(out)
