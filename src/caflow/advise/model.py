"""The advise result vocabulary: rule metadata, findings, and the result of one run.

One vocabulary for every rule: ``Status`` is
FAIL|PASS|UNDETERMINED|SUPPRESSED, a ``Finding`` names the policy, carries evidence as
file + JSON Pointer and lists the flows/connections/users it affects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from caflow.advise.severity import Severity

__all__ = [
    "AdviseResult",
    "Evidence",
    "Finding",
    "Reference",
    "Remedy",
    "RuleMeta",
    "Severity",
    "Status",
]

SCHEMA_VERSION = 1


class Status(StrEnum):
    FAIL = "FAIL"
    PASS = "PASS"
    UNDETERMINED = "UNDETERMINED"
    SUPPRESSED = "SUPPRESSED"
    #: The rule had nothing to look at (e.g. the setting it reads is not in the export):
    #: never PASS, which would claim a check that did not happen (``reason`` says why).
    NOT_EVALUATED = "NOT_EVALUATED"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Remedy(_Frozen):
    text: str
    powershell: str | None = None
    graph_patch: dict[str, Any] | None = None


class Reference(_Frozen):
    seed: str  # seed file name (the seed KB articles)
    section: str
    quote: str  # the seed sentence this rule encodes
    url: str | None = None


_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class RuleMeta(_Frozen):
    """``<rule_id>.meta.yaml``: validated so that every rule reads the same way."""

    id: str
    title: str
    severity: Severity
    risk: str
    remedy: Remedy
    references: tuple[Reference, ...]
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    #: What the rule looks at (advise/needs.py vocabulary); when the bundle holds none of it the
    #: rule reports NOT_EVALUATED instead of PASS.
    needs: tuple[str, ...] = ()
    #: What the rule also looks at when the bundle holds it (connections, flows: e.g. their
    #: owners) without needing it: a PASS is NOT_EVALUATED when caflow pull could not read
    #: part of it (advise/needs.py).
    reads: tuple[str, ...] = ()
    example: str | None = None

    @field_validator("id")
    @classmethod
    def _snake(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"rule id {v!r} is not snake_case")
        return v

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if len(v) > 150 or v.lower().startswith("ensure"):
            raise ValueError("title must be <= 150 chars and not start with 'Ensure'")
        return v

    @field_validator("references")
    @classmethod
    def _refs(cls, v: tuple[Reference, ...]) -> tuple[Reference, ...]:
        if not v:
            raise ValueError("a rule must quote at least one seed sentence")
        return v


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where the finding comes from: a policy file + JSON Pointer, or a tenant setting."""

    file: str
    pointer: str
    note: str = ""

    def to_json(self) -> dict[str, str]:
        out = {"file": self.file, "pointer": self.pointer}
        if self.note:
            out["note"] = self.note
        return out

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}"


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    status: Status
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...] = ()
    policies: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    connections: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    reason: str = ""  # why UNDETERMINED
    report_only: bool = False  # caused only by report-only policies: "would break when enabled"
    error_code: str | None = None
    justification: str = ""  # why SUPPRESSED (set by the framework from a suppressions file)

    @property
    def key(self) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
        """Identity across two runs (check: new vs resolved findings)."""
        return (self.rule_id, self.policies, self.apps, self.status)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ruleId": self.rule_id,
            "status": str(self.status),
            "severity": str(self.severity),
            "message": self.message,
            "reportOnly": self.report_only,
            "policies": list(self.policies),
            "evidence": [e.to_json() for e in self.evidence],
            "affected": {
                "flows": list(self.flows),
                "connections": list(self.connections),
                "users": list(self.users),
                "apps": list(self.apps),
            },
        }
        if self.error_code:
            out["errorCode"] = self.error_code
        if self.reason:
            out["reason"] = self.reason
        if self.justification:
            out["justification"] = self.justification
        return out


@dataclass(frozen=True)
class AdviseResult:
    tenant_id: str
    tenant_name: str
    now: str
    rules: tuple[RuleMeta, ...]
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = field(default=())
    #: ``(id, displayName)`` of the tenant's policies: the JSON's ``policies[]``, so a report
    #: can name the ids findings carry.
    policies: tuple[tuple[str, str], ...] = field(default=())

    def exceeds(self, threshold: Severity | None, *, strict: bool = False) -> bool:
        """Does a FAIL (with ``strict`` also an UNDETERMINED or NOT_EVALUATED) finding reach
        ``threshold``?

        SUPPRESSED and PASS findings never count (``--fail-on``). ``strict`` without a
        threshold (``--strict`` alone) counts what is undetermined or not evaluated at any
        severity, as ``check --strict`` does (docs/output.md, README: ``--strict`` turns what
        caflow could not decide into a failing exit code); a FAIL still needs ``--fail-on``.
        """
        unknown = {Status.UNDETERMINED, Status.NOT_EVALUATED} if strict else set()
        if threshold is None:
            return any(f.status in unknown for f in self.findings)
        return any(
            f.status in unknown | {Status.FAIL} and f.severity.rank >= threshold.rank
            for f in self.findings
        )

    def summary_line(self) -> str:
        """``3 failed, 1 undetermined, 8 passed.`` (plus ``, 2 suppressed`` and
        ``, 1 not evaluated`` when any)."""
        c = self.counts()
        text = f"{c['FAIL']} failed, {c['UNDETERMINED']} undetermined, {c['PASS']} passed"
        if c["SUPPRESSED"]:
            text += f", {c['SUPPRESSED']} suppressed"
        if c["NOT_EVALUATED"]:
            text += f", {c['NOT_EVALUATED']} not evaluated"
        return text + "."

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for f in self.findings:
            out[f.status.value] += 1
        return out

    def to_json(self, *, lazy: bool = False) -> dict[str, Any]:
        """``lazy``: findings as an iterator, each made when written (report.json.chunks)."""
        findings: Iterable[Any] = (f.to_json() for f in self.findings)
        return {
            "schemaVersion": SCHEMA_VERSION,
            "tool": "caflow advise",
            "tenant": {"id": self.tenant_id, "displayName": self.tenant_name},
            "now": self.now,
            "summary": self.counts(),
            "summaryLine": self.summary_line(),
            "rules": [
                {"id": r.id, "title": r.title, "severity": str(r.severity)} for r in self.rules
            ],
            "findings": findings if lazy else list(findings),
            "warnings": list(self.warnings),
            "policies": [{"id": i, "displayName": n} for i, n in self.policies],
        }
