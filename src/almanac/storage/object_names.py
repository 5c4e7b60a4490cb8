"""What a CalDAV resource name says about UIDs: an object without a name of its own is ``<uid>.ics``."""

from __future__ import annotations


def uids_a_put_meets(name: str, uid: str) -> list[str]:
    """The UIDs a PUT of an object holding ``uid`` to ``name`` may collide with: its own, and for a name
    ``<x>.ics`` the UID ``x`` of an object named so by default."""
    return sorted({uid, name.removesuffix(".ics")} if name.endswith(".ics") else {uid})
