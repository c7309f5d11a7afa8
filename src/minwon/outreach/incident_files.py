"""Incident files (e.g. 112 calls by place and hour) a unit lead uploads for a quarter, which
weigh the patrol requests' places and hours in the plan."""

from __future__ import annotations

import csv
import io

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid
from minwon.org.roles import LEADS, Principal
from minwon.outreach import patrols
from minwon.outreach.models import IncidentCount
from minwon.outreach.patrol_quarters import checked_quarter, require_unit_staff
from minwon.outreach.patrol_requests import MAX_PLACE
from minwon.textutil import whole_number, without_nul

MAX_INCIDENT_ROWS = 50_000
MAX_INCIDENT_COUNT = 999_999


def incidents_of(db: Session, *, unit_id: int, quarter: str) -> dict[tuple[str, int], int]:
    """Imported incident counts of a unit and quarter by (place key, hour)."""
    query = select(IncidentCount).where(
        IncidentCount.unit_id == unit_id, IncidentCount.quarter == quarter
    )
    return {(r.place_key, r.hour): r.count for r in db.scalars(query)}


def import_incident_file(
    db: Session, *, principal: Principal, unit_id: int, quarter: str, data: bytes
) -> int:
    """Import an uploaded incident file (UTF-8 CSV, a byte-order mark allowed) for the quarter:
    the unit page's upload and the API's."""
    from minwon.outreach.service import Said

    try:
        text = data.decode("utf-8-sig") if data else ""
    except UnicodeDecodeError as exc:
        raise Said("pt_bad_file", field="file") from exc
    return import_incidents(db, principal=principal, unit_id=unit_id, quarter=quarter, text=text)


def _bad_incident_line(number: int) -> Invalid:
    return Invalid(
        f"{number}번째 줄: '장소,시(0~23),건수' 형식이어야 합니다(건수는 999,999까지).",
        field="file",
    )


def _incident_line(number: int, row: list[str]) -> tuple[tuple[str, int], int]:
    """One line of an incident file as ((place key, hour), count); ``Invalid`` naming the line
    when it is not ``place,hour,count`` with an hour of 0–23 and a count of at most 999,999."""
    read = [whole_number(cell, digits=6) for cell in row[1:3]] if len(row) == 3 else []
    if len(read) != 2 or read[0] is None or read[1] is None or len(row[0].strip()) > MAX_PLACE:
        raise _bad_incident_line(number)
    hour, count = read[0], read[1]
    if not 0 <= hour <= 23:
        raise Invalid(f"{number}번째 줄: 시는 0~23입니다.", field="file")
    place = patrols.place_key(row[0])
    if not place:
        raise Invalid(f"{number}번째 줄: 장소가 비어 있습니다.", field="file")
    return (place, hour), count


def _incident_rows(text: str) -> list[tuple[int, list[str]]]:
    """The rows of an incident file after its header (a first row whose last cell is no
    number), blank rows left out, each with the line of the file it ends on, so that a message
    names the line the file's reader sees; ``Invalid`` for a file of more than
    ``MAX_INCIDENT_ROWS`` rows, and naming the line of a cell too long for the CSV reader."""
    reader = csv.reader(io.StringIO(without_nul(text).lstrip("\ufeff")))
    rows: list[tuple[int, list[str]]] = []
    read = 0  # the rows after the header, blank ones included
    try:
        for index, row in enumerate(reader):
            if index == 0 and row and not row[-1].strip().isdigit():
                continue  # the header: its last cell is a name, not a count
            read += 1
            if read > MAX_INCIDENT_ROWS:
                raise Invalid(
                    f"한 번에 {MAX_INCIDENT_ROWS:,}줄까지 올릴 수 있습니다.", field="file"
                )
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:  # a cell past the reader's field size limit (process-wide)
        raise _bad_incident_line(reader.line_num) from exc
    return rows


def import_incidents(
    db: Session, *, principal: Principal, unit_id: int, quarter: str, text: str
) -> int:
    """Replace the quarter's incident counts from a CSV of ``place,hour,count`` (e.g. 112 calls);
    a file with any bad line imports nothing and names the line, and a file with no line at
    all (empty, a header alone, blank lines) is refused, leaving the counts as they were."""
    require_unit_staff(principal, unit_id, db)
    if principal.role not in LEADS:
        raise Forbidden("사건 통계는 팀장이 올립니다.")
    checked_quarter(quarter)
    counts: dict[tuple[str, int], int] = {}
    rows = _incident_rows(text)
    for number, row in rows:
        key, count = _incident_line(number, row)
        counts[key] = counts.get(key, 0) + count
        if counts[key] > MAX_INCIDENT_COUNT:
            raise _bad_incident_line(number)
    if not counts:
        raise Invalid("파일에 '장소,시(0~23),건수' 형식의 줄이 없습니다.", field="file")
    db.execute(
        delete(IncidentCount).where(
            IncidentCount.unit_id == unit_id, IncidentCount.quarter == quarter
        )
    )
    for (place, hour), count in counts.items():
        db.add(
            IncidentCount(unit_id=unit_id, quarter=quarter, place_key=place, hour=hour, count=count)
        )
    return len(counts)
