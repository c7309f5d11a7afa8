"""Every API operation in ``/openapi.json``, fed inputs generated from its own schema
(schemathesis), answers without a server error, as a citizen and as an admin: a bounded run of a
few hundred cases on every suite run (``HYPOTHESIS_PROFILE=thorough`` runs more)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from factories import build_world
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from props import SCALE
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.db import make_engine
from minwon.models import Base

_STATE: dict[str, object] = {}


@pytest.fixture(scope="module")
def fuzzed_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One SQLite database with the test organisation, shared by every generated case."""
    path: Path = tmp_path_factory.mktemp("fuzz") / "minwon.db"
    eng = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(eng)
    _STATE["world"] = build_world(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def fuzzed_app(fuzzed_engine: Engine) -> FastAPI:
    """The application on that database."""
    return create_app(engine=fuzzed_engine)


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: FastAPI) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document, read through ASGI."""
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


_BOUNDED = settings(
    max_examples=3 * SCALE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _server_errors(api_schema: schemathesis.BaseSchema, headers: dict[str, str]) -> list[str]:
    """Each operation, a bounded number of generated cases: those answered with a 5xx."""
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # revoking tokens may revoke the caller's own: last, so no other operation meets only 401s
    operations.sort(key=lambda op: op.path.startswith("/api/v1/tokens/") and op.method == "delete")
    for operation in operations:

        @given(case=operation.as_strategy())
        @_BOUNDED
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        call()
    return failures


def test_no_operation_answers_a_server_error_to_an_admin(
    api_schema: schemathesis.BaseSchema,
) -> None:
    """Whatever an admin sends (a bearer token), the answer is never a 5xx."""
    world = _STATE["world"]
    assert _server_errors(api_schema, world.auth("admin")) == []  # type: ignore[attr-defined]


def test_no_operation_answers_a_server_error_to_a_citizen(
    api_schema: schemathesis.BaseSchema,
) -> None:
    """Whatever an anonymous caller sends, the answer is never a 5xx."""
    assert _server_errors(api_schema, {}) == []
