"""What an export lets caflow decide about a connection or a flow: shared by ``simulate`` and
``check`` so the two verbs name the same connections undetermined and date the same flows.

A connection cannot be evaluated when its owner is not in the bundle (a bundle without
``directory.yaml``, an owner the directory does not list) or when its connector is not mapped
to an Entra resource app (docs/assumptions.md A-AUTO-6); a known non-Entra connector never
breaks (docs/sources.md PA-1.4).

A flow fails at its next run when a connection it uses (``Embedded``) breaks. A simulation
dates that for flows with a known schedule; the others are named with *when* in words: a
schedule or poll whose period the export does not carry (admin API list shape, ``Recurrence``
without frequency) fails at its "next run (schedule not in the export)", never "never"; a
manual flow at its next manual run. A flow that uses an undetermined connection, a connection
the export does not contain, or whose connections the export does not list is undetermined.
What ``caflow pull`` could not read in the Power Platform (the bundle's pull.json) is missing,
not empty: flows or connections of an environment not pulled are undetermined, counted
(:func:`unpulled_impact`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from caflow.model.connectors import ConnectorKind, connector_kind, unmapped_reason
from caflow.model.powerplatform import Connection, Flow
from caflow.model.pulled import DECISION_PARTS, EVERY_ENVIRONMENT, PAGED, Gap, NotPulled
from caflow.model.tenant import Tenant
from caflow.tokens import Failure

__all__ = [
    "AT_NEXT_USE",
    "NEXT_MANUAL_RUN",
    "NEXT_RUN_TRIGGER_UNKNOWN",
    "NEXT_RUN_UNKNOWN",
    "ConnectionVerdict",
    "connection_undetermined",
    "connection_when",
    "flow_impact",
    "flow_when",
    "incomplete_export_items",
    "started_flows_by_connection",
    "unpulled_impact",
    "unread_impact",
    "when_phrase",
]

#: A connection no dated run touches breaks at its next refresh, whenever it is next used.
AT_NEXT_USE = "at next use"
NEXT_RUN_UNKNOWN = "next run (schedule not in the export)"
NEXT_MANUAL_RUN = "next manual run"
NEXT_RUN_TRIGGER_UNKNOWN = "next run (trigger not in the export)"


@dataclass(frozen=True, slots=True)
class ConnectionVerdict:
    """``breaks`` (its next token refresh fails), ``undetermined`` (``reason`` says why) or
    ``ok``; ``name``/``owner_id`` of the connection."""

    name: str
    owner_id: str | None
    status: str
    failure: Failure | None = None
    reason: str = ""
    #: Undetermined because a baseline policy undetermined for the owner may already block it
    #: (so "newly breaks" is not known, issue 13): also overrides a break the simulation dated.
    baseline_doubt: bool = False


def connection_undetermined(connector: str, owner_id: str | None, tenant: Tenant) -> str:
    """Why a connection of ``connector`` owned by ``owner_id`` cannot be evaluated on
    ``tenant`` ('' when it can, or when CA cannot break it at all)."""
    kind = connector_kind(connector)
    if kind is ConnectorKind.NON_ENTRA:
        return ""  # no Entra user token: CA cannot break it (docs/sources.md PA-1.4)
    if kind is ConnectorKind.UNMAPPED:
        return unmapped_reason(connector)  # A-AUTO-6: not "never breaks"
    if not owner_id:
        return "the export names no owner for the connection"
    if tenant.directory.user(owner_id) is None:
        if not tenant.directory.users:
            return f"owner '{owner_id}' is not in the bundle (it has no directory users)"
        return f"owner '{owner_id}' is not in the bundle's directory"
    return ""


def flow_when(f: Flow) -> str | None:
    """When a failing connection shows in this flow, in words; None when its runs are dated
    (a schedule or poll with a known period)."""
    if f.trigger.kind == "manual":
        return NEXT_MANUAL_RUN
    if f.trigger.kind == "unknown":
        return NEXT_RUN_TRIGGER_UNKNOWN
    if f.runs_unscheduled:
        return NEXT_RUN_UNKNOWN
    return None


def when_phrase(when: str) -> str:
    """``when`` after "breaks"/"fails": "at next use", "at its next run (...)"."""
    return f"at its {when}" if when.startswith("next ") else when


def _embedded(f: Flow) -> list[Any]:
    return [r for r in f.connections if r.source.lower() != "invoker"]


def started_flows_by_connection(flows: Iterable[Flow]) -> dict[str, list[Flow]]:
    """Started flows by the lower-cased name of each connection they embed (each flow once per
    connection): built once, so asking :func:`connection_when` for every connection of a large
    tenant is not connections x flows."""
    index: dict[str, list[Flow]] = {}
    for f in flows:
        if f.state.lower() == "started":
            for key in dict.fromkeys(r.connection.lower() for r in _embedded(f)):
                index.setdefault(key, []).append(f)
    return index


def connection_when(name: str, users_of: Mapping[str, Sequence[Flow]]) -> str:
    """When a connection whose next refresh fails, and that no dated run touches, breaks:
    "next run (schedule not in the export)" when only started flows of unknown period use it
    (their next run is its next use), else "at next use" (a manual run, the owner, a flow whose
    runs are dated later). ``users_of``: :func:`started_flows_by_connection` of the flows."""
    users = users_of.get(name.lower(), ())
    if users and all(flow_when(f) == NEXT_RUN_UNKNOWN for f in users):
        return NEXT_RUN_UNKNOWN
    return AT_NEXT_USE


def flow_impact(
    flows: Iterable[Flow],
    verdicts: Mapping[str, ConnectionVerdict],
    dated: Set[str],
    known: Set[str],
    not_read: Mapping[str, NotPulled],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(failing flows, undetermined flows) among ``flows`` not already in ``dated`` (the flow
    ids whose failures a simulation dated). ``verdicts`` is keyed by lower-cased connection
    name; ``known``: the lower-cased names of the connections that exist; ``not_read``: the
    flows pull.json says were not read (model.pulled.unread_flows), whose entry the reason
    quotes rather than guessing between that and an admin API list export."""
    failing: list[dict[str, Any]] = []
    undetermined: list[dict[str, Any]] = []
    for f in sorted(flows, key=lambda x: x.name):
        if f.name in dated or f.state.lower() != "started":
            continue
        embedded = _embedded(f)
        breaking = [
            verdicts[r.connection.lower()]
            for r in embedded
            if r.connection.lower() in verdicts
            and verdicts[r.connection.lower()].status == "breaks"
        ]
        when = flow_when(f)
        if breaking and when is not None:
            v = breaking[0]
            failing.append(
                {
                    "id": f.name,
                    "failedRuns": 0,
                    "firstFailureAt": None,
                    "turnedOffAt": None,
                    "when": when,
                    "connection": v.name,
                    "errorCode": v.failure.code if v.failure else None,
                }
            )
            continue
        if breaking:
            continue  # scheduled with a known period: the simulation's verdict stands
        doubtful = [
            r.connection
            for r in embedded
            if r.connection.lower() in verdicts
            and verdicts[r.connection.lower()].status == "undetermined"
        ]
        reasons = [f"uses undetermined connection(s) {', '.join(doubtful)}"] if doubtful else []
        reasons += [
            f"uses connection '{r.connection}' that is not in the export"
            for r in embedded
            if r.connection and r.connection.lower() not in known
        ]
        if f.trigger.undetermined:
            reasons.append(f.trigger.undetermined)
        if not f.connections_known:
            gap = not_read.get(f.name.lower())
            reasons.append(
                f"caflow pull could not read the flow ({gap.where}: {gap.reason}): which "
                "connections it uses is not in the bundle"
                if gap is not None
                else "the export does not list the flow's connections (admin API list shape)"
            )
        if reasons:
            undetermined.append({"kind": "flow", "id": f.name, "reason": "; ".join(reasons)})
    return failing, undetermined


def unpulled_impact(
    gaps: Iterable[NotPulled], connections: Iterable[Connection], breaking: Set[str]
) -> list[dict[str, Any]]:
    """The undetermined items (``{kind, id, reason}``) of what ``caflow pull`` could not read in
    the Power Platform, one per environment and kind, for ``check`` and ``simulate`` alike:

    * ``flows`` of an environment (or of every one) not pulled: which flows run and which
      connections they use is unknown, so "no flow fails" is not known; the connections of
      that environment in ``breaking`` (lower-cased names) are named, their flows fail at
      their next run. The connections' own verdicts stand: a refresh does not depend on the
      flows (a determined break stays a break).
    * ``connections`` of an environment, or the whole Power Platform part, not pulled (or
      ``--skip``-ped): which connections exist, and so whether any breaks, is unknown.

    A single flow whose definition was not read is :func:`flow_impact`'s (its connections are
    unknown); gaps outside the Power Platform are not about connections or flows, except the
    export pages of :func:`incomplete_export_items`, added here so both verbs count them."""
    gaps = tuple(gaps)
    items = sorted(
        (g for g in dict.fromkeys(gaps) if g.environment is not None),
        # the whole part first, then every environment before one: the broader covers
        key=lambda g: (g.gap is not Gap.PART, g.environment != EVERY_ENVIRONMENT),
    )
    conns = list(connections)
    done: set[tuple[Gap, str]] = set()
    out: list[dict[str, Any]] = []
    for g in items:
        env = g.environment or EVERY_ENVIRONMENT
        kind = Gap.FLOWS if g.gap is Gap.FLOWS else Gap.CONNECTIONS
        if (Gap.PART, EVERY_ENVIRONMENT) in done or {
            (kind, EVERY_ENVIRONMENT),
            (kind, env.lower()),
        } & done:
            continue  # said by a broader gap already
        done.add((g.gap if g.gap is Gap.PART else kind, env.lower()))
        where = f"{g.where}: {g.reason}"
        if kind is Gap.FLOWS:
            broken = sorted(
                c.name for c in conns if g.covers(c.environment) and c.name.lower() in breaking
            )
            reason = f"flows {g.missing} ({where}); " + (
                f"connection(s) {', '.join(broken)} break: the flows using them fail at their "
                "next run, which flows those are is not in the bundle"
                if broken
                else "which flows run and which connections they use is not in the bundle"
            )
        else:
            what = "connections" if g.gap is Gap.CONNECTIONS else f"{g.part} (connections, flows)"
            reason = (
                f"{what} {g.missing} ({where}); which connections exist, and whether any "
                "breaks, is not in the bundle"
            )
        out.append({"kind": kind.value, "id": env, "reason": reason})
    return out + incomplete_export_items(gaps)


def incomplete_export_items(gaps: Iterable[NotPulled]) -> list[dict[str, Any]]:
    """One undetermined item (``{kind: PART, id: FILE, reason}``) per export page whose later
    pages are missing, for the parts whose missing items change verdicts beyond the flags the
    loader sets (model.pulled): ``policies`` and the objects policies name (a later page may
    hold a policy, or the location / strength / agreement one names: every verdict may change),
    and ``users`` (who a change blocks is not all in the bundle, as without directory users).
    Group, role and membership pages make the users concerned ``groupsUnknown`` /
    ``rolesUnknown`` / a group ``membersUnknown`` instead (A-DIR-3, A-DIR-4), which the verdicts
    already weigh; Power Platform pages are :func:`unpulled_impact`'s."""
    consequence = {
        "users": "who is in a policy's scope, and so who a change blocks, is not all in the bundle",
    }
    return [
        {
            "kind": g.part,
            "id": g.file,
            "reason": f"{g.where}: {g.reason}; "
            + consequence.get(
                g.part,
                "every decision may change (a later page may hold a "
                "policy, or an object a policy names)",
            ),
        }
        for g in dict.fromkeys(gaps)
        if g.status == PAGED and (g.part in DECISION_PARTS or g.part == "users")
    ]


def unread_impact(*tenants: Tenant) -> list[dict[str, Any]]:
    """The undetermined items (``{kind: "file", id, reason}``) of the files in a policies folder
    of ``tenants`` that caflow did not read but that may hold policies (a policy saved as
    ``CA015.jsn``, ``Tenant.unread_policies``): for ``check`` and ``simulate`` alike, so "nothing
    breaks" is never said over a policy nobody evaluated (``--strict`` exits 1). One per file."""
    seen: dict[str, dict[str, Any]] = {}
    for tenant in tenants:
        for w in tenant.unread_policies:
            seen.setdefault(w.file, {"kind": "file", "id": w.file, "reason": w.message})
    return list(seen.values())
