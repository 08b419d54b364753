"""Local authorization lists: what a charger should hold, differences, and messages split to
the charger's per-message limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from evgw.authz import _local_list as ll
from evgw.authz._authorizer import TokenFacts
from evgw.domain import IdToken, TokenStatus

NOW = datetime(2030, 1, 1, tzinfo=UTC)
V16, V201 = "ocpp1.6", "ocpp2.0.1"


def facts(
    *tokens: IdToken, evses: dict[str, tuple[tuple[str, int], ...]] | None = None
) -> list[TokenFacts]:
    return [TokenFacts(t, evses=(evses or {}).get(t.id, ())) for t in tokens]


def test_what_a_charger_holds() -> None:
    tokens = facts(
        IdToken(id="A"),
        IdToken(id="B", status=TokenStatus.BLOCKED),  # blocked entries block offline too
        IdToken(id="APP", type="Central"),  # never cached
        IdToken(id="FREE", type="NoAuthorization"),
        IdToken(id="X" * 21),  # longer than a 1.6 idTag
        IdToken(id="ONLY2", type="KeyCode"),
        evses={"ONLY2": (("CP2", 0),)},
    )
    v16 = ll.wanted(V16, tokens, "CP1", 100, NOW)
    assert v16.entries == {
        "A": {"idTag": "A", "idTagInfo": {"status": "Accepted"}},
        "B": {"idTag": "B", "idTagInfo": {"status": "Blocked"}},
    }
    v201 = ll.wanted(V201, tokens, "CP2", 100, NOW)
    assert sorted(v201.entries) == ["A", "B", "ONLY2", "X" * 21]
    assert v201.entries["ONLY2"] == {
        "idToken": {"idToken": "ONLY2", "type": "KeyCode"},
        "idTokenInfo": {"status": "Accepted"},
    }
    small = ll.wanted(V16, tokens, "CP1", 1, NOW)
    assert (list(small.entries), small.truncated) == (["A"], True)


def test_difference_adds_changes_and_removes() -> None:
    held = {
        "A": {"idTag": "A", "idTagInfo": {"status": "Accepted"}},
        "B": {"idTag": "B", "idTagInfo": {"status": "Accepted"}},
        "C": {"idTag": "C", "idTagInfo": {"status": "Accepted"}},
    }
    want = {
        "A": held["A"],
        "B": {"idTag": "B", "idTagInfo": {"status": "Blocked"}},
        "D": {"idTag": "D", "idTagInfo": {"status": "Accepted"}},
    }
    assert ll.difference(V16, held, want) == [want["B"], want["D"], {"idTag": "C"}]
    v2 = {"idToken": {"idToken": "E", "type": "eMAID"}, "idTokenInfo": {"status": "Accepted"}}
    assert ll.difference(V201, {"E": v2}, {}) == [{"idToken": {"idToken": "E", "type": "eMAID"}}]
    assert ll.difference(V16, held, held) == []


def test_messages_split_to_the_per_message_limit() -> None:
    items = [{"idTag": f"T{i}", "idTagInfo": {"status": "Accepted"}} for i in range(5)]
    full = ll.messages(items, full=True, from_version=7, per_message=2)
    assert [(m.version, m.update_type, len(m.items)) for m in full] == [
        (8, "Full", 2),
        (9, "Differential", 2),
        (10, "Differential", 1),
    ]
    assert full[0].payload(V16) == {
        "listVersion": 8,
        "updateType": "Full",
        "localAuthorizationList": items[:2],
    }
    assert full[1].payload(V201)["versionNumber"] == 9
    # an empty Full clears the list; nothing to change sends nothing
    (clear,) = ll.messages([], full=True, from_version=0, per_message=2)
    assert clear.payload(V201) == {"versionNumber": 1, "updateType": "Full"}
    assert ll.messages([], full=False, from_version=3, per_message=2) == []
    # a differential bigger than the charger takes in one message goes in several
    diff = ll.messages(items, full=False, from_version=1, per_message=3)
    assert [(m.version, m.update_type, len(m.items)) for m in diff] == [
        (2, "Differential", 3),
        (3, "Differential", 2),
    ]


def test_messages_also_fit_the_bytes_per_message() -> None:
    """2.x LocalAuthListCtrlr.BytesPerMessage: no message longer than the charger takes."""
    items = [
        {
            "idToken": {"idToken": f"T{i:03d}", "type": "ISO14443"},
            "idTokenInfo": {"status": "Accepted"},
        }
        for i in range(10)
    ]
    one = len(json.dumps(items[0], separators=(",", ":"))) + 1
    limit = ll.ENVELOPE_BYTES + 3 * one  # three items per message by size, ten by count
    plan = ll.messages(items, full=True, from_version=0, per_message=10, max_bytes=limit)
    assert [len(m.items) for m in plan] == [3, 3, 3, 1]
    call = [2, "id-1234567890", "SendLocalList"]
    for m in plan:
        assert len(json.dumps([*call, m.payload(V201)], separators=(",", ":"))) <= limit
    assert [len(m.items) for m in ll.messages(items, full=True, from_version=0, per_message=4)] == [
        4,
        4,
        2,
    ]
