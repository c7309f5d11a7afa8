"""Which base URL links carry: ``MINWON_BASE_URL`` when it is given, otherwise the address
``minwon serve`` / ``minwon demo`` actually serve (``--host``/``--port``)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from minwon.config import (
    Settings,
    apply_served_address,
    base_url_is_explicit,
    effective_base_url,
    get_settings,
    served_base_url,
)


@pytest.fixture
def no_base_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No ``MINWON_BASE_URL`` in the environment nor in a .env; whatever a test sets is undone."""
    monkeypatch.setenv("MINWON_BASE_URL", "-")  # recorded, so the variable is removed afterwards
    monkeypatch.delenv("MINWON_BASE_URL")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("localhost", 8000, "http://localhost:8000"),
        ("0.0.0.0", 8123, "http://127.0.0.1:8123"),
        ("::", 9000, "http://127.0.0.1:9000"),
        ("::1", 8123, "http://[::1]:8123"),
        ("minwon.local", 80, "http://minwon.local:80"),
    ],
)
def test_the_served_address_is_one_a_browser_can_open(host: str, port: int, url: str) -> None:
    assert served_base_url(host, port) == url


def test_an_explicit_base_url_wins_over_the_served_address(no_base_url: pytest.MonkeyPatch) -> None:
    given = Settings(base_url="https://minwon.example.kr")
    assert base_url_is_explicit(given)
    assert effective_base_url(given, host="0.0.0.0", port=8123) == "https://minwon.example.kr"
    no_base_url.setenv("MINWON_BASE_URL", "https://proxy.example.kr/minwon")
    from_env = Settings()
    assert base_url_is_explicit(from_env)
    assert effective_base_url(from_env, host="127.0.0.1", port=8123) == (
        "https://proxy.example.kr/minwon"
    )


def test_a_base_url_in_dotenv_is_explicit(no_base_url: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MINWON_BASE_URL=https://dotenv.example.kr\n")
    assert effective_base_url(Settings(), host="127.0.0.1", port=8123) == (
        "https://dotenv.example.kr"
    )


def test_without_one_the_served_host_and_port_are_used(no_base_url: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert not base_url_is_explicit(settings)
    assert settings.base_url == "http://127.0.0.1:8000"  # the default until something serves
    assert effective_base_url(settings, host="127.0.0.1", port=8123) == "http://127.0.0.1:8123"


def test_serving_sets_the_base_url_for_the_whole_process(no_base_url: pytest.MonkeyPatch) -> None:
    assert apply_served_address("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert get_settings().base_url == "http://127.0.0.1:8123"
    assert os.environ["MINWON_BASE_URL"] == "http://127.0.0.1:8123"  # forked workers too
    assert apply_served_address("127.0.0.1", 8123) == "http://127.0.0.1:8123"  # idempotent


def test_serving_keeps_an_explicit_base_url(no_base_url: pytest.MonkeyPatch) -> None:
    no_base_url.setenv("MINWON_BASE_URL", "https://minwon.example.kr")
    get_settings.cache_clear()
    assert apply_served_address("0.0.0.0", 8123) == "https://minwon.example.kr"
    assert get_settings().base_url == "https://minwon.example.kr"
