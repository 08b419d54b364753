"""Running out of file descriptors or ports is reported up front, with what to do."""

from __future__ import annotations

import resource

import pytest
from evgw.testing.fleet import CapacityError, _limits, check_capacity, raise_fd_limit


def test_fd_limit_is_raised_to_the_hard_limit() -> None:
    soft = raise_fd_limit()
    assert soft == resource.getrlimit(resource.RLIMIT_NOFILE)[1] or soft >= 1 << 20


def test_too_many_connections_for_the_fd_limit_says_how_to_raise_it() -> None:
    limit = raise_fd_limit()
    with pytest.raises(CapacityError, match=r"ulimit -Hn \d+") as caught:
        check_capacity(limit + 1)
    assert "open files" in str(caught.value)


def test_too_few_ephemeral_ports_says_how_to_widen_the_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_limits, "ephemeral_ports", lambda: 1000)
    with pytest.raises(CapacityError, match="ip_local_port_range"):
        check_capacity(800)


def test_a_small_fleet_fits() -> None:
    check_capacity(100)
