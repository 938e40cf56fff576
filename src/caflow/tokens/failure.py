"""A failed token issuance: AADSTS code, stable cause name, responsible policies, message."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any

from caflow.engine.errorcodes import MESSAGES
from caflow.engine.evaluate import Evaluation

__all__ = ["Failure", "aadsts_message", "failure_from_evaluation"]


class _Safe(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def aadsts_message(code: str | None, **values: Any) -> str:
    """``AADSTS50076: Due to a configuration change ...`` with the seed wording (errorcodes)."""
    if not code:
        return ""
    text = MESSAGES.get(code, "")
    text = Formatter().vformat(text, (), _Safe(values)) if text else ""
    return f"{code}: {text}".rstrip(": ").rstrip()


@dataclass(frozen=True, slots=True)
class Failure:
    code: str | None
    cause: str
    policies: tuple[str, ...] = ()
    message: str = ""


def failure_from_evaluation(
    ev: Evaluation,
    resource: str,
    *,
    expired_terms: frozenset[str] = frozenset(),
    per_device_terms: frozenset[str] = frozenset(),
) -> Failure:
    """Turn a non-allow CA evaluation into a :class:`Failure` (cause names of docs/output.md)."""
    cause = ev.cause or "blocked"
    if cause == "termsOfUseRequired" and (expired_terms or per_device_terms):
        # The engine sees "not accepted"; the tokens layer knows it was accepted and expired.
        wanted = {
            r.split(":", 1)[1].lower() for r in ev.requirements if r.startswith("termsOfUse:")
        }
        if wanted & per_device_terms:
            # A background refresh presents no registered device (docs/sources.md TS-5.4, seed "Per-device").
            cause = "termsOfUsePerDevice"
        elif wanted & expired_terms:
            cause = "termsOfUseExpired"
    return Failure(
        ev.error_code,
        cause,
        ev.responsible_policies,
        aadsts_message(ev.error_code, resource=resource),
    )
