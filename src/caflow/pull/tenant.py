"""Read a tenant into bundle documents (docs/bundle-format.md), part by part.

**Required** parts (conditional access policies, named locations, the directory objects the
policies and connections reference) make the pull fail (exit 2, nothing written) when they
cannot be read. **Optional** parts (authentication strengths and contexts, terms of use and
their acceptances, cross-tenant access, devices, service principals, Power Platform) that
cannot be read are listed in ``pull.json`` as ``unreadable`` with the endpoint, the HTTP status
and the permission, and the CLI exits 1. A part the user skipped (``--skip``) is ``skipped``.
What no API exposes (remember-MFA days, legacy MFA trusted IPs) is ``notAvailable``.

Policies come from **beta**: v1.0 omits policies that use beta-only features
(EntraExporter issue #35), and caflow's loader reads both versions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from caflow.io.directory_export import DirectoryObjects
from caflow.model.pulled import (
    Gap,
    connections_item,
    every_environment_flows_item,
    flow_item,
    flows_item,
    gap_of,
)
from caflow.pull.clouds import BAP_ROOT, FLOW, FLOW_ROOT, GRAPH, POWERAPPS, POWERAPPS_ROOT
from caflow.pull.errors import PullError
from caflow.pull.http import Api, Endpoint
from caflow.pull.names import SignInType

__all__ = [
    "PARTS",
    "SIGN_IN_TYPES",
    "PartRecord",
    "PullOptions",
    "Pulled",
    "delegated_scopes",
    "pull_tenant",
    "wanted_parts",
]

V1 = f"{GRAPH}/v1.0"
BETA = f"{GRAPH}/beta"
BAP = f"{BAP_ROOT}/providers/Microsoft.BusinessAppPlatform/scopes/admin"
POWERAPPS_API = f"{POWERAPPS_ROOT}/providers/Microsoft.PowerApps/scopes/admin"
FLOW_API = f"{FLOW_ROOT}/providers/Microsoft.ProcessSimple/scopes/admin"
BAP_VERSION = "2020-10-01"
PP_VERSION = "2016-11-01"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: groupTypes/membershipRule tell a dynamic group (docs/export.md); its members are read too.
_GROUP_SELECT = "id,displayName,securityEnabled,isAssignableToRole,groupTypes,membershipRule"
_USER_SELECT = "id,displayName,userPrincipalName,userType,accountEnabled,creationType"
_DEVICE_SELECT = (
    "id,deviceId,displayName,operatingSystem,operatingSystemVersion,trustType,isCompliant,"
    "isManaged,mdmAppId,deviceOwnership,enrollmentProfileName,extensionAttributes,physicalIds,"
    "profileType,systemLabels,manufacturer,model"
)


@dataclass(frozen=True)
class Part:
    name: str
    endpoint: Endpoint
    url: str  # shown in pull.json and errors
    api_version: str
    required: bool
    #: Delegated Graph scopes a device-code sign-in asks for to read this part (the least
    #: privileged of docs/export.md; none for the Power Platform admin APIs, which have none).
    delegated: tuple[str, ...] = ()


def _graph(permission: str) -> Endpoint:
    return Endpoint(GRAPH, permission)


#: Every part a pull reads: what docs/export.md lists, what pull.json reports.
PARTS: dict[str, Part] = {
    p.name: p
    for p in (
        Part(
            "organization",
            _graph("Organization.Read.All"),
            f"{V1}/organization",
            "v1.0",
            False,
            ("User.Read",),  # delegated: User.Read reads the signed-in tenant
        ),
        Part(
            "policies",
            _graph("Policy.Read.All"),
            f"{BETA}/identity/conditionalAccess/policies",
            "beta",
            True,
            ("Policy.Read.All",),
        ),
        Part(
            "namedLocations",
            _graph("Policy.Read.All"),
            f"{BETA}/identity/conditionalAccess/namedLocations",
            "beta",
            True,
            ("Policy.Read.All",),
        ),
        Part(
            "authenticationStrengths",
            _graph("Policy.Read.AuthenticationMethod"),
            f"{V1}/policies/authenticationStrengthPolicies",
            "v1.0",
            False,
            ("Policy.Read.AuthenticationMethod",),
        ),
        Part(
            "authenticationContexts",
            _graph("AuthenticationContext.Read.All"),
            f"{V1}/identity/conditionalAccess/authenticationContextClassReferences",
            "v1.0",
            False,
            ("AuthenticationContext.Read.All",),
        ),
        Part(
            "agreements",
            _graph("Agreement.Read.All (delegated only: not with client credentials)"),
            f"{V1}/identityGovernance/termsOfUse/agreements",
            "v1.0",
            False,
            ("Agreement.Read.All",),
        ),
        Part(
            "agreementAcceptances",
            _graph("AgreementAcceptance.Read.All (delegated only: not with client credentials)"),
            f"{V1}/identityGovernance/termsOfUse/agreements/{{id}}/acceptances",
            "v1.0",
            False,
            ("AgreementAcceptance.Read.All",),
        ),
        Part(
            "crossTenantAccess",
            _graph("Policy.Read.All"),
            f"{V1}/policies/crossTenantAccessPolicy",
            "v1.0",
            False,
            ("Policy.Read.All",),
        ),
        Part(
            "directory",
            _graph("User.Read.All, GroupMember.Read.All, RoleManagement.Read.Directory"),
            f"{V1}/users, {V1}/groups, {V1}/directoryRoles (and their members)",
            "v1.0",
            True,
            ("User.Read.All", "GroupMember.Read.All", "RoleManagement.Read.Directory"),
        ),
        Part(
            "devices",
            _graph("Device.Read.All"),
            f"{V1}/users/{{id}}/registeredDevices (with --all-users: {V1}/devices)",
            "v1.0",
            False,
            ("Device.Read.All",),
        ),
        Part(
            "servicePrincipals",
            _graph("Application.Read.All"),
            f"{V1}/servicePrincipals",
            "v1.0",
            False,
            ("Application.Read.All",),
        ),
        Part(
            "powerplatform",
            Endpoint(POWERAPPS, "Power Platform administrator role (or a registered admin app)"),
            f"{BAP}/environments, {POWERAPPS_API}/environments/{{env}}/connections, "
            f"{FLOW_API}/environments/{{env}}/v2/flows",
            f"{BAP_VERSION} / {PP_VERSION}",
            False,
        ),
        Part(
            "signIns",
            _graph("AuditLog.Read.All and Directory.Read.All"),
            f"{V1}/auditLogs/signIns",
            "v1.0 (interactive); beta (other signInEventTypes)",
            True,
            ("AuditLog.Read.All", "Directory.Read.All"),
        ),
    )
}


def delegated_scopes(options: PullOptions) -> dict[str, tuple[str, ...]]:
    """API -> the delegated scopes a device-code sign-in asks for: those of every part this
    pull reads (not ``--skip``-ped; sign-ins only with ``--since``), so a first-time admin is
    asked to consent to exactly what the pull needs instead of getting 403s (docs/export.md)."""
    return {GRAPH: tuple(sorted({s for p in wanted_parts(options) for s in p.delegated}))}


def wanted_parts(options: PullOptions) -> list[Part]:
    """The parts this pull reads: not ``--skip``-ped; sign-ins only with ``--since`` (also the
    steps of the progress bar)."""
    return [
        p
        for p in PARTS.values()
        if p.name not in options.skip and (p.name != "signIns" or options.since is not None)
    ]


#: Settings no API exposes: tenant.yaml keeps Microsoft's defaults for them.
NOT_AVAILABLE = (
    {
        "name": "rememberMfa, mfaTrustedIps",
        "reason": "the legacy per-user MFA service settings have no Microsoft Graph API; "
        "set them in tenant.yaml by hand (docs/export.md)",
    },
    {
        "name": "tokenLifetimePolicy",
        "reason": "not read by caflow pull; tenant.yaml keeps Microsoft's defaults "
        "(GET /policies/tokenLifetimePolicies shows a custom one)",
    },
    {
        "name": "connectorEgress",
        "reason": "Power Platform connector egress IPs are published in the Azure service "
        "tags file, not by an API caflow reads",
    },
)


@dataclass
class PartRecord:
    name: str
    status: str  # read | unreadable | skipped
    count: int = 0
    reason: str | None = None
    http_status: int | None = None
    endpoint: str | None = None
    #: what to do about it, for the terminal (the PullError's hint): a permission only after
    #: a 401/403, the service after a 5xx; not part of pull.json (``permission`` is there)
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        p = PARTS[self.name]
        out: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "required": p.required,
            "endpoint": self.endpoint or p.url,
            "apiVersion": p.api_version,
            "permission": p.endpoint.permission,
            "count": self.count,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.http_status is not None:
            out["httpStatus"] = self.http_status
        return out


@dataclass(frozen=True)
class PullOptions:
    all_users: bool = False
    since: datetime | None = None
    skip: frozenset[str] = frozenset()
    #: ``signInEventTypes`` to read with ``since`` (names.SignInType); v1.0 has interactive only.
    sign_in_types: tuple[str, ...] = ("interactiveUser",)


SIGN_IN_TYPES = tuple(t.value for t in SignInType)


@dataclass
class Pulled:
    """Bundle documents by relative path (JSON-able), sign-ins as JSON Lines, what was read."""

    documents: dict[str, Any] = field(default_factory=dict)
    sign_ins: list[dict[str, Any]] = field(default_factory=list)
    parts: list[PartRecord] = field(default_factory=list)
    tenant_id: str = ""
    display_name: str = ""
    #: What a reader of the bundle should know about its scope (printed and in pull.json).
    notes: list[str] = field(default_factory=list)
    #: Single items of a part that was read (a flow deleted between list and get, an
    #: environment refusing its connections): pull.json ``notReadable``; the rest is kept.
    not_readable: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unreadable(self) -> list[PartRecord]:
        return [p for p in self.parts if p.status == "unreadable"]


#: ``(part, items)``: a part starts (``items`` 0), then each item read of it (``items`` 1).
Progress = Callable[[str, int], None]


def _no_progress(_part: str, _advance: int) -> None:
    return None


def pull_tenant(api: Api, options: PullOptions, progress: Progress = _no_progress) -> Pulled:
    """Read every part; required parts raise :class:`PullError`, optional ones are recorded."""
    return _Puller(api, options, progress).run()


class _Puller:
    def __init__(self, api: Api, options: PullOptions, progress: Progress) -> None:
        self.api = api
        self.options = options
        self.progress = progress
        self.out = Pulled()
        self.directory = DirectoryObjects()
        self.policies: list[dict[str, Any]] = []
        self.connection_owners: set[str] = set()

    # -- part bookkeeping -------------------------------------------------------------------
    def part(self, name: str, read: Callable[[], int]) -> None:
        p = PARTS[name]
        if name in self.options.skip:
            self.out.parts.append(PartRecord(name, "skipped", reason="--skip"))
            return
        self.progress(name, 0)  # a part starts: one step of the progress bar
        try:
            count = read()
        except PullError as exc:
            if p.required:
                raise
            self.out.parts.append(
                PartRecord(
                    name,
                    "unreadable",
                    reason=exc.message,
                    http_status=exc.status,
                    endpoint=exc.endpoint,
                    hint=exc.hint,
                )
            )
            return
        self.out.parts.append(PartRecord(name, "read", count=count))

    def pages(self, part: str, url: str, **kw: Any) -> Iterable[dict[str, Any]]:
        for item in self.api.pages(url, PARTS[part].endpoint, **kw):
            self.progress(part, 1)
            yield item

    # -- the pull ---------------------------------------------------------------------------
    def run(self) -> Pulled:
        if "policies" in self.options.skip or "namedLocations" in self.options.skip:
            raise PullError(
                "policies and named locations cannot be skipped",
                endpoint="--skip",
                permission="Policy.Read.All",
                status=None,
                code="pull-failed",
            )
        self.part("policies", self._policies)
        self.part("namedLocations", self._named_locations)
        self.part("organization", self._organization)
        self.part("authenticationStrengths", self._strengths)
        self.part("authenticationContexts", self._contexts)
        self.part("agreements", self._agreements)
        if any(p.name == "agreements" and p.status == "read" for p in self.out.parts):
            self.part("agreementAcceptances", self._acceptances)
        else:
            self.out.parts.append(
                PartRecord("agreementAcceptances", "skipped", reason="agreements not read")
            )
        self.part("crossTenantAccess", self._cross_tenant)
        self.part("powerplatform", self._powerplatform)
        self.part("directory", self._directory)
        self.part("devices", self._devices)
        self.part("servicePrincipals", self._service_principals)
        if self.options.since is not None:
            self.part("signIns", self._sign_ins)
        if self.out.not_readable:
            flows = sum(gap_of(x["part"], x["item"])[0] is Gap.FLOW for x in self.out.not_readable)
            self.out.notes.append(
                f"{len(self.out.not_readable)} item(s) not readable (pull.json notReadable)"
                + (
                    f"; {flows} flow(s) kept without their definitions: check counts them "
                    "undetermined"
                    if flows
                    else ""
                )
            )
        self.out.documents["directory.yaml"] = self.directory.to_directory_doc()
        if self.directory.skipped:  # e.g. devices or contacts as group members
            self.out.notes.append(
                f"{len(self.directory.skipped)} directory relations not kept (conditional "
                f"access user conditions concern users and groups): {self.directory.skipped[0]}"
            )
        self.out.documents["tenant.yaml"] = {
            "id": self.out.tenant_id,
            "displayName": self.out.display_name,
            "settings": {},
        }
        return self.out

    def _policies(self) -> int:
        self.policies = list(self.pages("policies", PARTS["policies"].url))
        for i, p in enumerate(self.policies):
            rel = f"policies/{_file_name(str(p.get('id') or 'policy'))}.json"
            if rel in self.out.documents:  # ids are GUIDs; never let one file hide another
                rel = rel[: -len(".json")] + f"-{i}.json"
            self.out.documents[rel] = p
        return len(self.policies)

    def _named_locations(self) -> int:
        items = list(self.pages("namedLocations", PARTS["namedLocations"].url))
        self.out.documents["namedLocations.json"] = {"value": items}
        return len(items)

    def _organization(self) -> int:
        items = list(
            self.pages(
                "organization", PARTS["organization"].url, params={"$select": "id,displayName"}
            )
        )
        if items:
            self.out.tenant_id = str(items[0].get("id") or "")
            self.out.display_name = str(items[0].get("displayName") or "")
        return len(items)

    def _strengths(self) -> int:
        items = list(self.pages("authenticationStrengths", PARTS["authenticationStrengths"].url))
        self.out.documents["authenticationStrengths.json"] = {"value": items}
        return len(items)

    def _contexts(self) -> int:
        items = list(self.pages("authenticationContexts", PARTS["authenticationContexts"].url))
        # Not a bundle file (policies name contexts by id c1..c99): kept for the reader.
        self.out.documents[".pull/authenticationContexts.json"] = {"value": items}
        return len(items)

    def _agreements(self) -> int:
        items = list(self.pages("agreements", PARTS["agreements"].url))
        self.out.documents["agreements.json"] = {"value": items}
        return len(items)

    def _acceptances(self) -> int:
        agreements = self.out.documents["agreements.json"]["value"]
        items: list[dict[str, Any]] = []
        for a in agreements:
            url = f"{V1}/identityGovernance/termsOfUse/agreements/{a['id']}/acceptances"
            items.extend(self.pages("agreementAcceptances", url))
        self.out.documents["agreementAcceptances.json"] = {"value": items}
        return len(items)

    def _cross_tenant(self) -> int:
        base = PARTS["crossTenantAccess"].url
        endpoint = PARTS["crossTenantAccess"].endpoint
        default: dict[str, Any] = self.api.get(f"{base}/default", endpoint) or {}
        default.pop("@odata.context", None)
        partners = list(self.pages("crossTenantAccess", f"{base}/partners"))
        self.out.documents["crossTenantAccess.json"] = {"default": default, "partners": partners}
        return 1 + len(partners)

    def _powerplatform(self) -> int:
        """Environments, then per environment its connections and its flows, each kept when
        the other cannot be read: a missing or refused flow token (``$CAFLOW_FLOW_TOKEN``, or a
        sign-in the Flow service refuses) loses the flows, never the connections already read
        (review of issue 9). What was not read is one ``notReadable`` item each."""
        flow = Endpoint(FLOW, PARTS["powerplatform"].endpoint.permission)
        version = {"api-version": PP_VERSION}
        envs = list(
            self.pages("powerplatform", f"{BAP}/environments", params={"api-version": BAP_VERSION})
        )
        connections: list[dict[str, Any]] = []
        flows: list[dict[str, Any]] = []
        failures: list[PullError] = []
        flows_read = 0  # environments whose flow list was read
        no_flow_token: PullError | None = None
        for env in envs:
            name = str(env.get("name") or "")
            read_any = False
            try:
                connections.extend(
                    self.pages(
                        "powerplatform",
                        f"{POWERAPPS_API}/environments/{name}/connections",
                        params=version,
                    )
                )
                read_any = True
            except PullError as exc:
                self._item_unreadable("powerplatform", connections_item(name), exc)
                failures.append(exc)
            listed: list[dict[str, Any]] = []
            if no_flow_token is None:
                try:
                    listed = list(
                        self.api.pages(
                            f"{FLOW_API}/environments/{name}/v2/flows", flow, params=version
                        )
                    )
                    read_any = True
                    flows_read += 1
                except PullError as exc:
                    if _credentials(exc):
                        no_flow_token = exc  # the same for every environment: asked once
                    else:
                        self._item_unreadable("powerplatform", flows_item(name), exc)
                    failures.append(exc)
            if not read_any:
                continue
            for f in listed:
                # The list omits definitions (triggers, recurrence, connection use): read each.
                try:
                    full = self.api.get(
                        f"{FLOW_API}/environments/{name}/flows/{f['name']}", flow, params=version
                    )
                except PullError as exc:
                    # Deleted since the list (404) or not shared with this admin (403): the
                    # list item is kept, without connections, so check counts it undetermined.
                    self._item_unreadable("powerplatform", flow_item(f["name"]), exc)
                    full = None
                self.progress("powerplatform", 1)
                flows.append(full or f)
        if no_flow_token is not None:
            self._item_unreadable(
                "powerplatform", every_environment_flows_item(len(envs)), no_flow_token
            )
        if envs and not connections and not flows_read and failures:
            raise failures[0]  # nothing readable in any environment: the part is unreadable
        for c in connections:
            owner = ((c.get("properties") or {}).get("createdBy") or {}).get("id")
            if isinstance(owner, str) and _GUID.match(owner):
                self.connection_owners.add(owner.lower())
        self.out.documents[".pull/environments.json"] = {"value": envs}
        self.out.documents["powerplatform/connections.json"] = {"value": connections}
        if flows_read or not envs:
            self.out.documents["powerplatform/flows.json"] = {"value": flows}
        else:
            # No flow list was read: no flows.json rather than an empty one claiming "no flows".
            self.out.notes.append(
                "powerplatform/flows.json not written: no environment's flows could be read "
                "(pull.json notReadable); the bundle holds environments and connections only"
            )
        return len(envs) + len(connections) + len(flows)

    def _item_unreadable(self, part: str, item: str, exc: PullError) -> None:
        """One item of a part could not be read: recorded and the rest kept. Throttling beyond
        the retry budget and network failures concern the API, not the item: raised. A token
        that cannot be had for the item's API (``pull-denied`` without an HTTP status) is
        recorded with what to set or consent to."""
        if exc.code == "pull-throttled" or (exc.status is None and not _credentials(exc)):
            raise exc
        # The HTTP client's message already says "HTTP 403: access denied: ..." (pull.http):
        # only what it does not say is put before it, so nothing is said twice.
        why = {
            404: "not found (deleted since it was listed?)",
            None: "no token for this API",
        }.get(
            exc.status, "" if exc.message.startswith(f"HTTP {exc.status}:") else "could not be read"
        )
        self.out.not_readable.append(
            {
                "part": part,
                "item": item,
                "endpoint": exc.endpoint,
                "status": exc.status,
                "why": (f"{why}: " if why else "")
                + exc.message
                + (f" (needs {exc.permission})" if exc.status is None else ""),
            }
        )

    # -- directory -------------------------------------------------------------------------
    def _directory(self) -> int:
        if self.options.all_users:
            return self._whole_directory()
        return self._referenced_directory()

    def _whole_directory(self) -> int:
        """``--all-users``: whole collections plus one member list per group and per activated
        role (G + R requests, not one ``transitiveMemberOf`` per user); nesting is resolved when
        the bundle is loaded, as for any ``directory.yaml``."""
        top = {"$top": "999"}
        users = list(
            self.pages("directory", f"{V1}/users", params={"$select": _USER_SELECT, **top})
        )
        self.directory.add_document(
            "users.json", [{"@odata.type": "#microsoft.graph.user", **u} for u in users]
        )
        groups = list(
            self.pages(
                "directory",
                f"{V1}/groups",
                params={"$select": _GROUP_SELECT, **top},
            )
        )
        self.directory.add_document(
            "groups.json", [{"@odata.type": "#microsoft.graph.group", **g} for g in groups]
        )
        for g in groups:
            members = list(
                self.pages("directory", f"{V1}/groups/{g['id']}/members", params={"$select": "id"})
            )
            self.directory.add_document(f"groups/{g['id']}/members.json", members)
        roles = list(self.pages("directory", f"{V1}/directoryRoles"))
        self.directory.add_document(
            "directoryRoles.json",
            [{"@odata.type": "#microsoft.graph.directoryRole", **r} for r in roles],
        )
        for r in roles:
            members = list(
                self.pages(
                    "directory", f"{V1}/directoryRoles/{r['id']}/members", params={"$select": "id"}
                )
            )
            self.directory.add_document(f"directoryRoles/{r['id']}/members.json", members)
        self.user_ids = [str(u["id"]) for u in users]
        # Every group's and activated role's member list was read (none, in a tenant without
        # groups): no user's memberships are unknown (A-DIR-4).
        self.directory.complete.update({"groups", "roles"})
        return len(users)

    def _referenced_directory(self) -> int:
        refs = _references(self.policies)
        ep = PARTS["directory"].endpoint
        user_ids: set[str] = set(refs["users"]) | self.connection_owners
        for gid in sorted(refs["groups"]):
            group = self.api.get(
                f"{V1}/groups/{gid}",
                ep,
                params={"$select": _GROUP_SELECT},
                missing_ok=True,
            )
            if group is None:
                continue  # a deleted group: the loader warns about the policy's reference
            group.pop("@odata.context", None)
            self.directory.add_document(
                "groups.json", [{"@odata.type": "#microsoft.graph.group", **group}]
            )
            members = list(
                self.pages(
                    "directory",
                    f"{V1}/groups/{gid}/transitiveMembers/microsoft.graph.user",
                    params={"$count": "true", "$select": "id"},
                    eventual=True,
                )
            )
            # Graph returns the members Entra computed, dynamic groups' included: recorded as
            # the group's member list, so a dynamic group is never "members unknown" (A-DIR-3).
            self.directory.add_document(f"groups/{gid}/transitiveMembers.json", members)
            user_ids.update(str(m["id"]).lower() for m in members)
        for template in sorted(refs["roles"]):
            role = self.api.get(
                f"{V1}/directoryRoles(roleTemplateId='{template}')", ep, missing_ok=True
            )
            if role is None:
                continue  # not activated: nobody holds it
            role.pop("@odata.context", None)
            self.directory.add_document(
                "directoryRoles.json", [{"@odata.type": "#microsoft.graph.directoryRole", **role}]
            )
            members = list(
                self.pages(
                    "directory",
                    f"{V1}/directoryRoles/{role['id']}/members",
                    params={"$select": "id,displayName,userPrincipalName,isAssignableToRole"},
                )
            )
            self.directory.add_document(f"directoryRoles/{role['id']}/members.json", members)
            for m in members:
                if str(m.get("@odata.type", "")).endswith(".user"):
                    user_ids.add(str(m["id"]).lower())
                elif str(m.get("@odata.type", "")).endswith(".group"):
                    for u in self.pages(
                        "directory",
                        f"{V1}/groups/{m['id']}/members/microsoft.graph.user",
                        params={"$count": "true", "$select": "id"},
                        eventual=True,
                    ):
                        user_ids.add(str(u["id"]).lower())
        users = []
        for uid in sorted(user_ids):
            found = self.api.get(
                f"{V1}/users/{uid}", ep, params={"$select": _USER_SELECT}, missing_ok=True
            )
            if found is not None:
                found.pop("@odata.context", None)
                users.append(found)
                self.progress("directory", 1)
        self.directory.add_document(
            "users.json", [{"@odata.type": "#microsoft.graph.user", **u} for u in users]
        )
        for u in users:
            member_of = list(
                self.pages(
                    "directory",
                    f"{V1}/users/{u['id']}/transitiveMemberOf",
                    params={
                        "$select": "id,displayName,roleTemplateId,isAssignableToRole,securityEnabled"
                    },
                )
            )
            self.directory.add_document(f"users/{u['id']}/transitiveMemberOf.json", member_of)
        self.user_ids = [str(u["id"]) for u in users]
        everyone = [
            str(p.get("displayName") or p.get("id"))
            for p in self.policies
            if "all"
            in {
                str(v).lower()
                for v in ((p.get("conditions") or {}).get("users") or {}).get("includeUsers") or []
            }
        ]
        if everyone:
            self.out.notes.append(
                f"{len(everyone)} policies target All users (e.g. '{everyone[0]}'); only the "
                f"{len(users)} users the policies and connections reference were read: "
                "use --all-users to read everyone"
            )
        return len(users)

    def _devices(self) -> int:
        n = 0
        if self.options.all_users:
            # Every device (also those registered to nobody: kiosks, shared PCs) with its
            # owners in one paged call, instead of one registeredDevices call per user.
            every = [
                {"@odata.type": "#microsoft.graph.device", **d}
                for d in self.pages(
                    "devices",
                    f"{V1}/devices",
                    params={
                        "$select": _DEVICE_SELECT,
                        "$expand": "registeredOwners($select=id)",
                    },
                )
            ]
            self.directory.add_document("devices.json", every)
            return len(every)
        for uid in getattr(self, "user_ids", []):
            devices = [
                {"@odata.type": "#microsoft.graph.device", **d}
                for d in self.pages(
                    "devices",
                    f"{V1}/users/{uid}/registeredDevices",
                    params={"$select": _DEVICE_SELECT},
                )
            ]
            self.directory.add_document(f"users/{uid}/registeredDevices.json", devices)
            n += len(devices)
        return n

    def _service_principals(self) -> int:
        refs = _references(self.policies)
        found: list[dict[str, Any]] = []
        select = {"$select": "id,appId,displayName,servicePrincipalType"}
        for app_id in sorted(refs["apps"]):
            found.extend(
                self.pages(
                    "servicePrincipals",
                    f"{V1}/servicePrincipals",
                    params={"$filter": f"appId eq '{app_id}'", **select},
                )
            )
        for sp_id in sorted(refs["servicePrincipals"]):
            sp = self.api.get(
                f"{V1}/servicePrincipals/{sp_id}",
                PARTS["servicePrincipals"].endpoint,
                params=select,
                missing_ok=True,
            )
            if sp is not None:
                sp.pop("@odata.context", None)
                found.append(sp)
        self.directory.add_document(
            "servicePrincipals.json",
            [{"@odata.type": "#microsoft.graph.servicePrincipal", **s} for s in found],
        )
        return len(found)

    def _sign_ins(self) -> int:
        since = self.options.since
        assert since is not None
        # Graph compares in UTC: convert an offset time first (2026-01-01T10:00+02:00 = 08:00Z).
        stamp = (since.astimezone(UTC) if since.tzinfo else since).strftime("%Y-%m-%dT%H:%M:%SZ")
        window = f"createdDateTime ge {stamp}"
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for kind in self.options.sign_in_types:
            if kind == "interactiveUser":
                url, query = PARTS["signIns"].url, window  # v1.0: interactive sign-ins only
            else:
                url = f"{BETA}/auditLogs/signIns"
                query = f"{window} and signInEventTypes/any(t: t eq '{kind}')"
            for row in self.pages("signIns", url, params={"$filter": query}):
                key = str(row.get("id") or "")
                if key and key in seen:
                    continue  # one event listed under two types: kept once
                seen.add(key)
                rows.append(row)
        self.out.sign_ins = rows
        return len(rows)


def _credentials(exc: PullError) -> bool:
    """No token could be had (none in the environment, or the sign-in refused): raised by the
    token source before any request, so it carries no HTTP status (docs/errors.md pull-denied)."""
    return exc.code == "pull-denied" and exc.status is None


def _references(policies: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Object ids the policies name: users, groups, role templates, apps, service principals."""
    out: dict[str, set[str]] = {
        k: set() for k in ("users", "groups", "roles", "apps", "servicePrincipals")
    }
    for p in policies:
        c = p.get("conditions") or {}
        users = c.get("users") or {}
        apps = c.get("applications") or {}
        clients = c.get("clientApplications") or {}
        pairs = (
            ("users", users.get("includeUsers"), users.get("excludeUsers")),
            ("groups", users.get("includeGroups"), users.get("excludeGroups")),
            ("roles", users.get("includeRoles"), users.get("excludeRoles")),
            ("apps", apps.get("includeApplications"), apps.get("excludeApplications")),
            (
                "servicePrincipals",
                clients.get("includeServicePrincipals"),
                clients.get("excludeServicePrincipals"),
            ),
        )
        for kind, *lists in pairs:
            for values in lists:
                for v in values or []:
                    if isinstance(v, str) and _GUID.match(v):
                        out[kind].add(v.lower())
    return out


def _file_name(value: str) -> str:
    """A policy id as a file name: no path separators, no leading dot (hidden files are not
    read back), bounded length."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", value)[:100].lstrip(".") or "policy"
