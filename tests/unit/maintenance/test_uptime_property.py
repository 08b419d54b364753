"""Properties of the uptime computation over random outage logs and exclusions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evgw.maintenance._config import DEFAULT_POLICIES
from evgw.maintenance._model import Cause
from evgw.maintenance._spans import minutes, union
from evgw.maintenance._uptime import Exclusion, port_uptime
from hypothesis import given, settings
from hypothesis import strategies as st

NEVI, CEC = DEFAULT_POLICIES
T0 = datetime(2024, 1, 1, tzinfo=UTC)
WINDOW = (T0, T0 + timedelta(days=365))
span = st.tuples(st.integers(-2000, 530_000), st.integers(1, 30_000)).map(
    lambda p: (T0 + timedelta(minutes=p[0]), T0 + timedelta(minutes=p[0] + p[1]))
)
exclusion = st.tuples(span, st.sampled_from(list(Cause)), st.booleans()).map(
    lambda x: Exclusion(
        f"x{x[0][0].isoformat()}{x[1]}", x[0][0], x[0][1], x[1], "ev" if x[2] else None
    )
)


@settings(max_examples=200, deadline=None)
@given(st.lists(span, max_size=30), st.lists(exclusion, max_size=10))
def test_uptime_invariants(
    outages: list[tuple[datetime, datetime]], exclusions: list[Exclusion]
) -> None:
    nevi = port_uptime(outages, exclusions, WINDOW, NEVI)
    cec = port_uptime(outages, exclusions, WINDOW, CEC)
    again = port_uptime(list(reversed(outages)), list(reversed(exclusions)), WINDOW, NEVI)
    assert 0 <= nevi.excluded_min <= nevi.outage_min <= 365 * 1440
    assert nevi.outage_min <= minutes(union(outages))  # clipped to the window
    assert cec.excluded_min <= nevi.excluded_min  # CEC only caps NEVI's list further
    assert (again.outage_min, again.excluded_min) == (nevi.outage_min, nevi.excluded_min)
    assert sum(m.outage_min for m in nevi.months) == nevi.outage_min
    assert sum(m.excluded_min for m in nevi.months) == nevi.excluded_min
    assert nevi.meets == (nevi.net_min < 15768)  # mu > 97 <=> net < 3 % of 525,600
    no_evidence = [e for e in exclusions if not e.evidence]
    assert port_uptime(outages, no_evidence, WINDOW, NEVI).excluded_min == 0
