"""Kept for imports from before authorization moved to ``evgw.authz``."""

from __future__ import annotations

from evgw.authz._authorizer import Authorizer
from evgw.authz._info import id_tag_info

__all__ = ["Authorizer", "id_tag_info"]
