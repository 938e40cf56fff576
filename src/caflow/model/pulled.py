"""What ``caflow pull`` could not read, as the bundle's ``pull.json`` records it (docs/export.md).

A part or item the pull could not read is *missing* from the bundle, never empty: a bundle
without ``powerplatform/flows.json`` because the Flow API refused the pull has flows nobody
knows, not zero flows. The loader turns each ``pull.json`` entry into one :class:`NotPulled`;
``check`` and ``simulate`` count the Power Platform ones as undetermined
(automation.verdicts.unpulled_impact) and ``advise`` / ``whatif`` name what their answer
depends on (docs/output.md).

The item texts are the ones ``caflow pull`` writes (built here, so writer and reader share one
spelling): ``flows of environment ENV``, ``flows of every environment (N)``, ``connections of
environment ENV``, ``flow NAME``.

An export folder has the same kind of gap without a pull: one page of a Graph list saved with
its ``@odata.nextLink`` (``az rest``, a single ``Invoke-MgGraphRequest``) holds the first items
only. :func:`paged_gap` records it as a gap of status ``paged`` naming the file and the JSON
path of the link, so every verb weighs it like a part not pulled (docs/bundle-format.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ACCEPTANCES",
    "CROSS_TENANT_ACCESS",
    "DECISION_PARTS",
    "EVERY_ENVIRONMENT",
    "PAGED",
    "PART_NAMES",
    "Gap",
    "NotPulled",
    "PartName",
    "acceptances_not_pulled",
    "connections_item",
    "cross_tenant_access_not_pulled",
    "every_environment_flows_item",
    "flow_item",
    "flows_item",
    "gap_of",
    "paged_gap",
    "unread_flows",
]


class PartName(StrEnum):
    """The parts ``caflow pull`` reads, as ``pull.json`` names them (``parts[].name``,
    ``unreadable[].name``, ``notReadable[].part``; docs/schema/pull.schema.json): the keys of
    pull.tenant.PARTS, in its order (a test keeps them equal; the model layer cannot import
    pull)."""

    organization = "organization"
    policies = "policies"
    namedLocations = "namedLocations"
    authenticationStrengths = "authenticationStrengths"
    authenticationContexts = "authenticationContexts"
    agreements = "agreements"
    agreementAcceptances = "agreementAcceptances"
    crossTenantAccess = "crossTenantAccess"
    directory = "directory"
    devices = "devices"
    servicePrincipals = "servicePrincipals"
    powerplatform = "powerplatform"
    signIns = "signIns"


#: The names of :class:`PartName`, for lookups and did-you-means.
PART_NAMES: tuple[str, ...] = tuple(PartName)

#: The ``environment`` of a gap that concerns every environment of the tenant.
EVERY_ENVIRONMENT = "every environment"
#: The pull part of the Terms of Use acceptances (skipped when the agreements were not read).
ACCEPTANCES = "agreementAcceptances"
#: The pull part of the cross-tenant access settings (crossTenantAccess.json).
CROSS_TENANT_ACCESS = "crossTenantAccess"

#: The ``status`` of a gap that is one page of a paged Graph list (``@odata.nextLink`` left).
PAGED = "paged"

#: Parts whose missing items can change any sign-in's decision: a policy, or an object a policy
#: names (a location, an authentication strength, a terms-of-use agreement), may be on a later
#: page. A decision is then uncertain (``whatif`` ``certain: false``) and ``check`` /
#: ``simulate`` count one undetermined item of the part's kind.
DECISION_PARTS = ("policies", "namedLocations", "authenticationStrengths", "agreements")


class Gap(StrEnum):
    """What a ``pull.json`` entry leaves unknown."""

    FLOWS = "flows"  # the flows of an environment (or of every one): which exist, what they use
    CONNECTIONS = "connections"  # the connections of an environment (and so their flows' fate)
    FLOW = "flow"  # one flow's definition (kept from the list, connections unknown)
    PART = "part"  # a whole optional part (agreements, devices, powerplatform, ...)


def flows_item(environment: str) -> str:
    return f"flows of environment {environment}"


def every_environment_flows_item(count: int) -> str:
    return f"flows of every environment ({count})"


def connections_item(environment: str) -> str:
    return f"connections of environment {environment}"


def flow_item(name: str) -> str:
    return f"flow {name}"


_ITEMS: tuple[tuple[re.Pattern[str], Gap], ...] = (
    (re.compile(r"^flows of every environment \(\d+\)$"), Gap.FLOWS),
    (re.compile(r"^flows of environment (?P<env>\S.*)$"), Gap.FLOWS),
    (re.compile(r"^connections of environment (?P<env>\S.*)$"), Gap.CONNECTIONS),
    (re.compile(r"^flow (?P<flow>\S.*)$"), Gap.FLOW),
)


def paged_gap(file: str, part: str) -> NotPulled:
    """The gap of ``file``, one page of the paged Graph list of ``part`` (``policies``,
    ``users`` ...) whose ``@odata.nextLink`` points to pages the export does not hold."""
    what = {"powerplatform": "connections and flows"}.get(part, part)
    return NotPulled(
        file,
        "/@odata.nextLink",
        part,
        None,
        f"page 1 of a paged list: the {what} on later pages were not exported "
        "(follow @odata.nextLink / use --all)",
        PAGED,
    )


def gap_of(part: str, item: str | None) -> tuple[Gap, str | None]:
    """(what is unknown, the environment it concerns: ``EVERY_ENVIRONMENT`` for all of them,
    None when it is no environment's) of a ``pull.json`` entry; an item text this version does
    not know is a gap of its whole part (never dropped)."""
    if item is None:
        return Gap.PART, EVERY_ENVIRONMENT if part == "powerplatform" else None
    for pattern, gap in _ITEMS:
        m = pattern.match(item)
        if m is None:
            continue
        if gap is Gap.FLOW:
            return gap, None
        return gap, m.groupdict().get("env") or EVERY_ENVIRONMENT
    return Gap.PART, EVERY_ENVIRONMENT if part == "powerplatform" else None


@dataclass(frozen=True, slots=True)
class NotPulled:
    """One ``pull.json`` ``unreadable[]`` part, ``notReadable[]`` item or ``skipped`` part:
    where it is written (``file``, ``json_path``), what (``part``, ``item``), why (``reason``)."""

    file: str
    json_path: str
    part: str
    item: str | None
    reason: str
    #: ``unreadable`` (the API refused), ``skipped`` (``--skip``, or a part depending on one
    #: that was not read), ``paged`` (:func:`paged_gap`: an export file, not pull.json)
    status: str = "unreadable"
    #: What it leaves unknown, and the Power Platform environment it concerns
    #: (:data:`EVERY_ENVIRONMENT` for all; None: no environment's): worked out once.
    gap: Gap = field(init=False, compare=False)
    environment: str | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        gap, environment = gap_of(self.part, self.item)
        object.__setattr__(self, "gap", gap)
        object.__setattr__(self, "environment", environment)

    @property
    def what(self) -> str:
        """``flows of environment X`` / the part's name, as pull.json names it."""
        return self.item or self.part

    @property
    def where(self) -> str:
        """Where the gap is written: pull.json's entry, or the export page's link."""
        return f"{self.file if self.status == PAGED else 'pull.json'} {self.json_path}"

    @property
    def missing(self) -> str:
        """How the part went missing, for the reasons that quote it."""
        return "not exported" if self.status == PAGED else "not pulled"

    def covers(self, environment: str | None) -> bool:
        """Whether a connection or flow of ``environment`` falls under it; one whose
        environment the export does not name may be in any (never guessed out)."""
        env = self.environment
        if env is None:
            return False
        return env == EVERY_ENVIRONMENT or environment is None or environment.lower() == env.lower()


def unread_flows(gaps: tuple[NotPulled, ...]) -> dict[str, NotPulled]:
    """The single flows ``caflow pull`` listed but could not read (``flow NAME`` entries), by
    lower-cased name: their undetermined item quotes the entry, as every other gap's does."""
    prefix = flow_item("")
    return {g.what.removeprefix(prefix).lower(): g for g in gaps if g.gap is Gap.FLOW}


def acceptances_not_pulled(gaps: tuple[NotPulled, ...]) -> str:
    """Why the bundle's Terms of Use acceptances are unknown ('' when pull read them, or the
    bundle has no pull.json): a user without a recorded acceptance may have accepted. Also an
    export's acceptances of one page of several (:func:`paged_gap`: "not exported")."""
    g = _part_gap(gaps, ACCEPTANCES)
    if g is None:
        return ""
    return (
        f"Terms of Use acceptances {g.missing} ({g.where}: {g.reason}): whether the user "
        "accepted is unknown"
    )


def cross_tenant_access_not_pulled(gaps: tuple[NotPulled, ...]) -> str:
    """Why the cross-tenant inbound trust is unknown ('' when pull read it, or the bundle has no
    pull.json): without it, Microsoft's defaults (no trust) would be a guess."""
    g = _part_gap(gaps, CROSS_TENANT_ACCESS)
    if g is None:
        return ""
    return (
        f"cross-tenant access settings not pulled ({g.where}: {g.reason}): whether this tenant "
        "trusts the home tenant's MFA and device claims is unknown"
    )


def _part_gap(gaps: tuple[NotPulled, ...], part: str) -> NotPulled | None:
    return next((g for g in gaps if g.part == part and g.item is None), None)
