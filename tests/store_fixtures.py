"""Store fixtures, shared by every test that needs a database.

``store_url`` is parametrized over the backends: ``sqlite`` (a WAL file in tmp_path),
``sqlite-memory`` and ``postgresql`` (a fresh schema per test in the server named by
EVGW_TEST_PG_URL; without it the case is skipped locally and FAILS when CI=true, so CI can
never pass without having tested PostgreSQL). ``store`` is an open store on that URL.
Start a local server with ``scripts/pg-test-server.sh``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from evgw.store import Store, open_store

PG_ENV = "EVGW_TEST_PG_URL"


def pg_admin_url() -> str:
    """The PostgreSQL server URL for tests, or fail (CI) / skip (locally) without one."""
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: PostgreSQL store tests must run in CI")
    pytest.skip(f"{PG_ENV} not set (run scripts/pg-test-server.sh and export what it prints)")


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


def _run_admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def make_store_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """Synchronous on purpose: skip/fail then report their reason plainly."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'evgw.db'}"
    elif kind == "sqlite-memory":
        yield "sqlite:///:memory:"
    else:
        admin = pg_admin_url()
        schema = f"evgw_test_{uuid.uuid4().hex[:12]}"
        _run_admin(admin, f"CREATE SCHEMA {schema}")
        try:
            yield _with_search_path(admin, schema)
        finally:
            _run_admin(admin, f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(
    params=["sqlite", "sqlite-memory", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with make_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def durable_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``store_url`` without the in-memory case (for reopen/durability tests)."""
    with make_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    s = await open_store(store_url)
    try:
        yield s
    finally:
        await s.aclose()
