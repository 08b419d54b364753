"""Security profiles at the upgrade: what a charger registered at profile N must present.

| profile | channel | credential |
|---|---|---|
| 0 | any | none (unknown chargers admitted as Pending) |
| 1 | ws or wss | HTTP Basic |
| 2 | wss only | HTTP Basic |
| 3 | wss only | a client certificate (chained to ``client_ca``) naming the charger |

A client certificate, whenever one is sent, must name the charger it connects as: its CN
equals the charge point id (or the registered serial number) exactly, and its O the configured
organization. So one charger's certificate never opens another's session.
"""

from __future__ import annotations

import attrs

from evgw.gateway._handshake import HandshakeRefused


@attrs.frozen
class Presented:
    tls: bool
    subject: dict[str, str] | None  # the verified client certificate's subject
    basic_user: str | None  # the user of an Authorization: Basic header


def check_certificate(
    subject: dict[str, str], charger_id: str, serial: str | None, organization: str
) -> None:
    names = {charger_id} | ({serial} if serial else set())
    if subject.get("commonName") not in names:
        raise HandshakeRefused(
            403, "certificate_mismatch", "client certificate names another charger"
        )
    if organization and subject.get("organizationName") != organization:
        raise HandshakeRefused(
            403, "certificate_mismatch", "client certificate of another organization"
        )


def needs_password(profile: int, presented: Presented, charger_id: str) -> bool:
    """Check the channel for `profile`; True when the Basic password must then be verified."""
    if presented.basic_user is not None and presented.basic_user != charger_id:
        raise HandshakeRefused(401, "unauthorized", "Basic user is another charger")
    if profile >= 2 and not presented.tls:
        raise HandshakeRefused(403, "profile_mismatch", f"security profile {profile} needs TLS")
    if profile < 3:
        return profile >= 1
    if presented.subject is None:
        raise HandshakeRefused(
            403, "certificate_required", "security profile 3 needs a client certificate"
        )
    return False
