"""The ``--json`` output contracts (docs/output.md) as pydantic models: ``caflow schema
whatif|simulate|advise|check|matrix|replay|apps|pull|demo`` publishes their JSON Schemas (docs/schema/). Outputs may gain
fields (additive changes keep ``schemaVersion``), so the models allow extra keys; the tests
validate what the commands really print against these schemas, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from caflow.model.pulled import PartName

__all__ = [
    "READABLE",
    "AdviseOutput",
    "AppsOutput",
    "CheckOutput",
    "CheckOutputAnyBuild",
    "DemoOutput",
    "MatrixOutput",
    "PullManifest",
    "ReplayOutput",
    "SimulateOutput",
    "WhatIfOutput",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- whatif -------------------------------------------------------------------------------------


class PolicyRef(_Out):
    id: str
    displayName: str


class UndeterminedPolicy(PolicyRef):
    reason: str = Field(description="why the policy could not be evaluated")


class ReportOnlyPolicy(PolicyRef):
    result: str = Field(
        description="reportOnlySuccess | reportOnlyFailure | reportOnlyInterrupted | reportOnlyNotApplied | undetermined"
    )


class ExplainStep(_Out):
    condition: str
    path: str
    outcome: Literal["matched", "notMatched", "undetermined"]
    detail: str | None = None


class WhatIfPolicyResult(_Out):
    """Graph ``whatIfAnalysisResult`` (policy fields + the analysis) per evaluated policy."""

    id: str
    displayName: str
    state: str
    policyApplies: bool
    analysisReasons: str
    reportOnly: bool
    grantResult: Literal["satisfied", "notSatisfied", "blocked", "undetermined", "notApplicable"]
    unmetControls: list[str] | None = None
    grantReason: str | None = None
    reportOnlyResult: str | None = None
    notEnoughInformation: str | None = None
    warnings: list[str] | None = None
    explain: list[ExplainStep] | None = None
    conditions: dict[str, Any] | None = None
    grantControls: dict[str, Any] | None = None
    sessionControls: dict[str, Any] | None = None


class IncompletePart(_Out):
    """An export page whose later pages are missing (``@odata.nextLink`` left in the file)."""

    part: str = Field(description="policies, namedLocations, authenticationStrengths, agreements")
    file: str
    jsonPath: str
    reason: str


class WhatIfOutput(_Out):
    """``caflow whatif --json``."""

    schemaVersion: Literal[1]
    decision: Literal["allow", "block", "requires"]
    certain: bool
    accountDisabled: bool | None = None
    caDecision: Literal["allow", "block", "requires"] | None = None
    requirements: list[str]
    errorCode: str | None
    cause: str | None
    policies: list[str]
    sessionControls: dict[str, Any]
    undetermined: list[UndeterminedPolicy]
    reportOnly: list[ReportOnlyPolicy]
    now: str
    value: list[WhatIfPolicyResult]
    incomplete: list[IncompletePart] | None = Field(
        None,
        description="present when policies, or objects policies name, are on export pages "
        "not saved: certain is then false unless the decision is block",
    )


# -- simulate -----------------------------------------------------------------------------------

EventKind = Literal[
    "connectionBroken",
    "connectionRepaired",
    "connectionCreateFailed",
    "runFailed",
    "flowTurnedOff",
    "embeddedFailed",
    "pickerDegraded",
    "listShownAsId",
    "flowNotDiscoverable",
    "sharePointFlowBlocked",
    "signInFailed",
]


class TimelineEvent(_Out):
    at: str
    kind: EventKind
    connection: str | None
    flow: str | None
    user: str | None
    errorCode: str | None
    policies: list[str]
    cause: str | None
    message: str
    #: A runFailed event standing for ``count`` identical failed runs in a row, the last at
    #: ``lastAt`` (present only when count > 1).
    count: int | None = None
    lastAt: str | None = None


class NextUse(_Out):
    when: str = Field(description='"at next use" or "next run (schedule not in the export)"')
    errorCode: str | None
    cause: str | None
    policies: list[str]


class ConnectionOutcome(_Out):
    id: str
    connector: str
    status: str
    errorCode: str | None
    cause: str | None
    policies: list[str]
    brokenAt: str | None
    #: Why caflow cannot tell whether this connection breaks (e.g. an unmapped connector).
    undetermined: str | None = None
    nextUse: NextUse | None = Field(
        None,
        description="its next use after the window fails though no dated run touched it",
    )


class NextRun(_Out):
    when: str = Field(
        description='"next run (schedule not in the export)", "next manual run" or '
        '"next run (trigger not in the export)"'
    )
    connection: str
    errorCode: str | None


class FlowOutcome(_Out):
    id: str
    state: str
    runs: int
    failedRuns: int
    firstFailureAt: str | None
    turnedOffAt: str | None
    flowSuspensionReason: str
    nextRun: NextRun | None = Field(
        None, description="its next run fails, at a moment the export does not date"
    )


class UndeterminedItem(_Out):
    kind: Literal[
        "connection",
        "flow",
        "user",
        "users",
        "policy",
        "finding",
        "flows",
        "connections",
        "policies",
        "namedLocations",
        "authenticationStrengths",
        "agreements",
        "file",
    ] = Field(
        description="flows / connections: those of a Power Platform environment (id; "
        "'every environment') that caflow pull could not read (pull.json); policies / "
        "namedLocations / authenticationStrengths / agreements / users (id: the file): an "
        "export page whose later pages were not exported (@odata.nextLink); file: a file of a "
        "policies folder caflow does not read that may hold policies (id: the file)"
    )
    id: str
    reason: str


class SimulateSummary(_Out):
    connectionsBroken: int
    connectionsBreakAtNextUse: int
    flowsWithFailedRuns: int
    flowsFailAtNextRun: int
    flowsTurnedOff: int
    undetermined: int


class SimulateOutput(_Out):
    """``caflow simulate --json``."""

    schemaVersion: Literal[1]
    start: str
    end: str
    events: list[TimelineEvent]
    connections: list[ConnectionOutcome]
    flows: list[FlowOutcome]
    undetermined: list[UndeterminedItem] = Field(
        description="what could not be evaluated (owner not in the bundle, unmapped connector, "
        "a flow using such a connection or whose connections the export does not list)"
    )
    summary: SimulateSummary
    policies: list[PolicyRef] = Field(
        default_factory=list,
        description="every policy of the tenant versions the run evaluated (extension: names for the policy ids the output carries)",
    )


# -- advise -------------------------------------------------------------------------------------

FindingStatus = Literal["FAIL", "PASS", "UNDETERMINED", "SUPPRESSED", "NOT_EVALUATED"]
SeverityName = Literal["critical", "high", "medium", "low", "info"]


class EvidenceRef(_Out):
    file: str
    pointer: str
    note: str | None = None


class Affected(_Out):
    flows: list[str]
    connections: list[str]
    users: list[str]
    apps: list[str]


class FindingOut(_Out):
    ruleId: str
    status: FindingStatus
    severity: SeverityName
    message: str
    reportOnly: bool
    policies: list[str]
    evidence: list[EvidenceRef]
    affected: Affected
    errorCode: str | None = None
    reason: str | None = None
    justification: str | None = None


class RuleRef(_Out):
    id: str
    title: str
    severity: SeverityName


class TenantRef(_Out):
    id: str
    displayName: str


class AdviseOutput(_Out):
    """``caflow advise --format json``."""

    schemaVersion: Literal[1]
    tool: Literal["caflow advise"]
    tenant: TenantRef
    now: str
    summary: dict[FindingStatus, int]
    summaryLine: str
    rules: list[RuleRef]
    findings: list[FindingOut]
    warnings: list[str]
    policies: list[PolicyRef] = Field(
        default_factory=list,
        description="the tenant's policies (extension: names for the policy ids the output carries)",
    )


# -- check --------------------------------------------------------------------------------------


class FieldChange(_Out):
    path: str
    old: Any
    new: Any


class PolicyChange(_Out):
    action: Literal["create", "update", "enable", "disable", "report", "undetermined", "destroy"]
    id: str
    displayName: str
    fields: list[FieldChange]


class BreakingConnection(_Out):
    id: str
    at: str | None
    errorCode: str | None
    cause: str | None
    policies: list[str]
    user: str | None


class FailingFlow(_Out):
    id: str
    failedRuns: int
    firstFailureAt: str | None
    turnedOffAt: str | None


class BlockedUserApp(_Out):
    """One user x app pair that loses access: the v1 shape of ``usersBlocked[]``."""

    user: str
    app: str
    appName: str
    errorCode: str | None
    policies: list[str]


class BlockedUser(_Out):
    """One distinct user who loses access, with every app, code and policy of their pairs."""

    user: str
    apps: list[str]
    errorCodes: list[str]
    policies: list[str]


class CheckSummary(_Out):
    connectionsBreak: int
    flowsFail: int
    usersBlocked: int = Field(
        description="len(usersBlocked): user x app pairs, not distinct users (v1 name; the distinct users are blockedUsers)"
    )
    userAppsBlocked: int = Field(description="the same count as usersBlocked (alias)")
    blockedUsers: int = Field(
        description="distinct users who lose access: what the impact line's 'N users blocked' counts (extension)"
    )
    undetermined: int


class CheckOutput(_Out):
    """``caflow check --format json``."""

    schemaVersion: Literal[1]
    tool: Literal["caflow check"]
    start: str
    end: str
    breaks: bool
    policyChanges: list[PolicyChange]
    connectionsBreaking: list[BreakingConnection]
    connectionsResolved: list[dict[str, Any]]
    flowsFailing: list[FailingFlow]
    usersBlocked: list[BlockedUserApp] = Field(
        description="one entry per user x app pair that loses access (v1 shape)"
    )
    userAppsBlocked: list[BlockedUserApp] = Field(
        description="the same list as usersBlocked (alias: the name one interim build used)"
    )
    blockedUsers: list[BlockedUser] = Field(
        description="one entry per distinct user who loses access (extension)"
    )
    undetermined: list[UndeterminedItem]
    warnings: list[str]
    newFindings: list[FindingOut]
    resolvedFindings: list[FindingOut]
    summary: CheckSummary
    impactLine: str
    policies: list[PolicyRef] = Field(
        default_factory=list,
        description="the policies of the baseline and the proposal (the proposal's name when both have it) (extension: names for the policy ids the output carries)",
    )


# -- matrix -------------------------------------------------------------------------------------

CellStatus = Literal["allow", "requires", "block", "undetermined"]


class MatrixTenant(_Out):
    id: str | None
    displayName: str | None


class MatrixApp(_Out):
    id: str
    displayName: str


class MatrixContext(_Out):
    name: str
    description: str


class CellMismatch(_Out):
    """A policy that applies to Flow Service or to this host app, not both (⚠)."""

    app: str
    appName: str
    policy: str
    appliesTo: str
    requirement: str


class MatrixMismatch(CellMismatch):
    user: str
    context: str


class CellUndetermined(_Out):
    policy: str
    reason: str


class MatrixCell(_Out):
    user: str
    app: str
    appName: str
    context: str
    status: CellStatus = Field(
        description="what to show: undetermined when a policy is and nothing blocks"
    )
    decision: Literal["allow", "requires", "block"]
    requirements: list[str]
    errorCode: str | None
    policies: list[str]
    undetermined: list[CellUndetermined]
    mismatches: list[CellMismatch]


class MatrixOutput(_Out):
    """``caflow matrix --format json``."""

    schemaVersion: Literal[1]
    tool: Literal["caflow matrix"]
    tenant: MatrixTenant
    now: str
    apps: list[MatrixApp]
    contexts: list[MatrixContext]
    users: list[str]
    policies: dict[str, str] = Field(description="policy id -> display name")
    cells: list[MatrixCell]
    mismatches: list[MatrixMismatch]
    summary: dict[str, int]
    summaryLine: str


# -- replay -------------------------------------------------------------------------------------


class ReplayInput(_Out):
    read: int
    kept: int
    skipped: dict[str, int]
    notes: dict[str, int]
    examples: dict[str, Any]
    files: dict[str, str]
    skippedFiles: dict[str, str]


class ReplayPolicyRow(_Out):
    id: str
    displayName: str
    state: str
    applies: int
    block: int
    satisfied: int
    undeterminedReasons: dict[str, int] | None = None
    breakdown: dict[str, dict[str, int]] = Field(
        description="dimension -> value -> sign-ins the policy applied to (top values)"
    )


class ReplaySide(_Out):
    decisions: dict[str, int] = Field(description="allow | block | requires -> sign-ins")
    signatures: int
    policies: list[ReplayPolicyRow]
    unmappedValues: dict[str, int]


class ReplayChange(_Out):
    """A sign-in the log records as successful that the proposed policies would not allow."""

    id: str | None
    time: str
    user: str | None
    app: str | None
    resource: str | None
    decision: Literal["allow", "requires", "block"]
    errorCode: str | None
    requirements: list[str]
    policies: list[str]
    connections: list[str] | None = None
    flows: list[str] | None = None


class ReplayChanges(_Out):
    count: int
    rows: list[ReplayChange]


class ReplayDisagreement(_Out):
    policy: str
    displayName: str
    recorded: str
    caflow: str
    analysisReasons: str
    rows: int
    example: str | None


class ReplayAgreement(_Out):
    rowsWithRecordedResults: int
    policyResultsCompared: int
    agree: int
    disagree: int
    undetermined: int
    notInBundle: int
    rate: float | None
    disagreements: list[ReplayDisagreement]


class ReplayOutput(_Out):
    """``caflow replay --format json``."""

    schemaVersion: Literal[1]
    now: str
    input: ReplayInput
    evaluated: int
    notEvaluated: dict[str, int]
    baseline: ReplaySide
    proposed: ReplaySide | None = None
    changes: ReplayChanges | None = None
    flowConnections: ReplayChanges | None = None
    agreement: ReplayAgreement


# -- what caflow report reads -------------------------------------------------------------------


class CheckSummaryAnyBuild(CheckSummary):
    """A check summary of any build: the v1 build had no ``userAppsBlocked`` / ``blockedUsers``."""

    userAppsBlocked: int = 0
    blockedUsers: int = 0


class CheckOutputAnyBuild(CheckOutput):
    """A check result of any build (docs/output.md "Changes to check's JSON"): v1 (pairs in
    ``usersBlocked[]`` only, no ``warnings[]``), the interim build (distinct users in ``usersBlocked[]``, pairs in
    ``userAppsBlocked[]``) and the current one - what ``caflow report`` reads."""

    usersBlocked: list[BlockedUserApp | BlockedUser]  # type: ignore[assignment]
    userAppsBlocked: list[BlockedUserApp] = Field(default_factory=list)
    blockedUsers: list[BlockedUser] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # not in the v1 build
    summary: CheckSummaryAnyBuild


#: Result kind -> the model a result given to ``caflow report`` / ``caflow serve`` is read
#: through (file + JSON path on a mismatch, never a half-drawn page or an internal error).
READABLE: dict[str, type[BaseModel]] = {
    "advise": AdviseOutput,
    "check": CheckOutputAnyBuild,
    "simulate": SimulateOutput,
    "matrix": MatrixOutput,
    "replay": ReplayOutput,
}


# -- apps ---------------------------------------------------------------------------------------


class KnownApp(_Out):
    displayName: str
    appId: str
    aliases: list[str] = Field(description="other names --app and scenarios accept for it")
    groups: list[Literal["Office365", "MicrosoftAdminPortals"]] = Field(
        description="the app groups policies may target that contain it"
    )


class AppsOutput(_Out):
    """``caflow apps --format json``."""

    schemaVersion: Literal[1]
    apps: list[KnownApp]


# -- pull (pull.json) ---------------------------------------------------------------------------


class PullPart(_Out):
    name: PartName
    status: Literal["read", "unreadable", "skipped"]
    required: bool
    endpoint: str
    apiVersion: str
    permission: str = Field(description="the least-privilege permission or role it needs")
    count: int
    reason: str | None = None
    httpStatus: int | None = None


class PullItemNotRead(_Out):
    part: PartName
    item: str
    endpoint: str
    status: int | None = Field(description="the HTTP status; null when no request was made")
    why: str


class PullNotAvailable(_Out):
    name: str
    reason: str


class PullRunOptions(_Out):
    allUsers: bool
    since: str | None
    skip: list[str]
    signInTypes: list[str]


class PullTenant(_Out):
    id: str
    displayName: str


class PullCloud(_Out):
    name: Literal["global", "usgov", "usgovhigh", "dod", "china"]
    authority: str = Field(description="the sign-in authority")
    graph: str = Field(description="the Microsoft Graph root")


class PullManifest(_Out):
    """``pull.json`` in the bundle ``caflow pull`` writes (also on stdout with ``--format json``)."""

    # The loader refuses a key it does not know (io.pullmanifest: a typo would hide every gap).
    model_config = ConfigDict(extra="forbid")

    schemaVersion: Literal[1]
    caflow: str = Field(description="the caflow version that pulled")
    startedAt: str
    finishedAt: str
    auth: Literal["environment", "device-code", "client-secret", "certificate"]
    options: PullRunOptions
    requests: int
    retries: int
    tenant: PullTenant
    cloud: PullCloud | None = Field(
        None, description="the Microsoft cloud pulled from (extension: pull --cloud)"
    )
    parts: list[PullPart]
    counts: dict[str, int] = Field(description="objects read, per part read")
    unreadable: list[PullPart] = Field(description="optional parts that could not be read")
    notReadable: list[PullItemNotRead] = Field(
        description="single items that could not be read (a flow deleted mid-pull)"
    )
    notAvailable: list[PullNotAvailable] = Field(
        description="settings no API exposes: tenant.yaml keeps defaults"
    )
    notes: list[str]


# -- demo ---------------------------------------------------------------------------------------


class DemoWhatIf(_Out):
    title: str
    note: str
    result: WhatIfOutput


class DemoOutput(_Out):
    """``caflow demo --format json``: each section is its verb's own JSON contract."""

    schemaVersion: Literal[1]
    tool: Literal["caflow demo"]
    tenant: TenantRef
    now: str
    whatif: list[DemoWhatIf]
    simulate: SimulateOutput | None = None
    advise: AdviseOutput | None = None
