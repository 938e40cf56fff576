"""Three-valued (Kleene) logic: True, False, or None = "not enough information".

A condition with a missing signal is unknown, not false (docs/sources.md CA-4.5). An exclusion that
matches overrides an inclusion (CA-2.1), and a definite non-match of any condition settles that
the policy does not apply, whatever else is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Tri", "all3", "any3", "not3", "scope3"]

Tri = bool | None


def any3(values: Iterable[Tri]) -> Tri:
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def all3(values: Iterable[Tri]) -> Tri:
    unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            unknown = True
    return None if unknown else True


def not3(value: Tri) -> Tri:
    return None if value is None else not value


def scope3(included: Tri, excluded: Tri) -> Tri:
    """In scope = included AND NOT excluded; exclusion overrides inclusion (CA-2.1)."""
    return all3((included, not3(excluded)))
