"""Staff references on printed cards: ``~17`` names staff member 17, an older card's login
still names its officer, and either counts only within the office the voice goes to."""

from factories import build_world
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from minwon.db import write_session
from minwon.org.models import Staff
from minwon.org.staff_refs import staff_id_in, staff_named_in_office, staff_ref

_LOGINS = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,30}", fullmatch=True)


@given(st.integers(min_value=1, max_value=10**18 - 1))
def test_a_reference_reads_back_as_its_staff_id(staff_id: int) -> None:
    assert staff_id_in(staff_ref(staff_id)) == staff_id
    assert staff_id_in(f"  {staff_ref(staff_id)} ") == staff_id


@given(_LOGINS)
def test_a_login_never_reads_as_a_reference(login: str) -> None:
    assert staff_id_in(login) is None


def test_what_is_no_reference_names_nobody() -> None:
    assert [staff_id_in(x) for x in ("~", "~x1", "~-1", "~１７", "17", "~1" + "0" * 30)] == [
        None
    ] * 6


def test_a_reference_or_an_older_cards_login_finds_the_officer_in_their_office(
    engine: Engine,
) -> None:
    world = build_world(engine)
    staff_id = world.staff_ids["gr_officer"]
    with write_session(engine) as db:
        office = db.get_one(Staff, staff_id).office_id
        other = db.get_one(Staff, world.staff_ids["dj_officer"]).office_id
        assert staff_named_in_office(db, f"~{staff_id}", office) == staff_id
        assert staff_named_in_office(db, " gr_officer ", office) == staff_id  # printed before
        assert staff_named_in_office(db, f"~{staff_id}", other) is None  # another office
        assert staff_named_in_office(db, "gr_officer", other) is None
        assert staff_named_in_office(db, "~999999", office) is None
        assert staff_named_in_office(db, "nobody", office) is None
        assert staff_named_in_office(db, "", office) is None
        assert staff_named_in_office(db, None, office) is None
