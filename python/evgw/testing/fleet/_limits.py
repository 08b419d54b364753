"""Up-front checks for big runs: open files and ephemeral ports, with what to do about them."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

FDS_PER_CONNECTION = 1
FD_HEADROOM = 200
PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


class CapacityError(RuntimeError):
    """The machine cannot hold the requested connections; the message says how to fix it."""


def raise_fd_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def ephemeral_ports() -> int:
    try:
        low, high = (int(x) for x in PORT_RANGE.read_text().split())
    except (OSError, ValueError):
        return 28_000  # Linux default range
    return high - low + 1


def check_capacity(connections: int, *, role: str = "simulator") -> None:
    """Fail early when `connections` sockets will not fit in this process or the port range."""
    limit = raise_fd_limit()
    need = connections * FDS_PER_CONNECTION + FD_HEADROOM
    if need > limit:
        raise CapacityError(
            f"{role}: {connections} connections need about {need} open files, the limit is "
            f"{limit} (hard limit reached). Raise it before running: `ulimit -Hn {need}` as "
            f"root (or LimitNOFILE= in systemd, nofile in /etc/security/limits.conf), or run "
            f"fewer chargers per process."
        )
    ports = ephemeral_ports()
    if connections > ports - 500:
        raise CapacityError(
            f"{role}: {connections} client connections to one server port need as many "
            f"ephemeral ports; {ports} are configured. Widen the range: `sysctl -w "
            f"net.ipv4.ip_local_port_range='1024 65000'`, or use fewer chargers."
        )


def describe_limits() -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return f"open files {soft}/{hard}, ephemeral ports {ephemeral_ports()}, {sys.platform}"
