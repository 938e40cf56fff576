"""A recorded tenant: examples/contoso served as Microsoft Graph and the Power Platform admin
APIs answer (respx side effects), for ``caflow pull`` tests.

Response shapes follow the documented ones: Graph list responses ``{"@odata.context", "value",
"@odata.nextLink"}``, directoryObject collections with ``@odata.type`` per item, Graph errors
``{"error": {"code", "message", "innerError"}}``; the admin APIs' ``{"value", "nextLink"}`` with
``name``/``id``/``type``/``properties`` items (tests/data/powerplatform holds real-shaped samples).
Like Graph, ``/transitiveMembers/microsoft.graph.user`` (an OData cast) is refused without
``ConsistencyLevel: eventual`` and ``$count=true``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import respx
from tests.graph_contoso import GraphTenant

GRAPH = "https://graph.microsoft.com"
ENV = "Default-00000000-0000-0000-0000-0000000c0570"
PAGE = 5  # small pages, so paging is exercised everywhere

#: (method path regex) -> a one-shot or permanent fault: status, headers, body
Fault = tuple[int, dict[str, str], dict[str, Any]]


def graph_error(status: int, code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-02-02T09:00:00",
                "request-id": "r",
                "client-request-id": "c",
            },
        }
    }


@dataclass
class RecordedTenant:
    g: GraphTenant
    #: path regex -> faults served in order before the real answer (each used once)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    #: path regex -> a fault served every time
    always: dict[str, Fault] = field(default_factory=dict)
    seen: list[httpx.Request] = field(default_factory=list)
    #: path regex -> transport failures raised in order before the real answer (each used
    #: once), as httpx raises them (e.g. RemoteProtocolError: the server closed the connection)
    broken: dict[str, list[Exception]] = field(default_factory=dict)
    sign_ins: list[dict[str, Any]] = field(default_factory=list)

    def mount(
        self,
        router: respx.Router,
        graph: str = "graph.microsoft.com",
        power_platform: tuple[str, str, str] = (
            "api.bap.microsoft.com",
            "api.powerapps.com",
            "api.flow.microsoft.com",
        ),
    ) -> None:
        """Serve the tenant on the global hosts, or a national cloud's (``graph``, and the
        environments / connections / flows hosts of its Power Platform admin APIs)."""
        router.route(host=graph).mock(side_effect=self._graph)
        for host in power_platform:
            router.route(host=host).mock(side_effect=self._pp)

    # -- plumbing ---------------------------------------------------------------------------
    def _fault(self, path: str) -> httpx.Response | None:
        for pattern, errors in self.broken.items():
            if errors and re.search(pattern, path):
                raise errors.pop(0)
        for pattern, fault in self.always.items():
            if re.search(pattern, path):
                return httpx.Response(fault[0], headers=fault[1], json=fault[2])
        for pattern, queue in self.faults.items():
            if queue and re.search(pattern, path):
                status, headers, body = queue.pop(0)
                return httpx.Response(status, headers=headers, json=body)
        return None

    def _page(
        self,
        request: httpx.Request,
        context: str,
        items: list[dict[str, Any]],
        link: str = "@odata.nextLink",
    ) -> httpx.Response:
        skip = int(request.url.params.get("$skiptoken") or request.url.params.get("skip") or 0)
        chunk = items[skip : skip + PAGE]
        body: dict[str, Any] = {"value": copy.deepcopy(chunk)}
        if context:
            body["@odata.context"] = f"{GRAPH}/v1.0/$metadata#{context}"
        if skip + PAGE < len(items):
            params = dict(request.url.params)
            params["$skiptoken" if link.startswith("@") else "skip"] = str(skip + PAGE)
            body[link] = str(request.url.copy_with(params=params))
        return httpx.Response(200, json=body)

    # -- Microsoft Graph --------------------------------------------------------------------
    def _graph(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        assert request.headers.get("Authorization", "").startswith("Bearer ")
        path = unquote(request.url.path)
        fault = self._fault(path)
        if fault is not None:
            return fault
        g = self.g
        d = g.tenant.directory
        routes: list[tuple[str, Callable[[re.Match[str]], httpx.Response]]] = [
            (
                r"^/beta/identity/conditionalAccess/policies$",
                lambda m: self._page(request, "policies", g.policies),
            ),
            (
                r"^/beta/identity/conditionalAccess/namedLocations$",
                lambda m: self._page(request, "namedLocations", g.named_locations),
            ),
            (
                r"^/v1.0/organization$",
                lambda m: self._page(
                    request, "organization", [{"id": g.tenant.id, "displayName": "Contoso"}]
                ),
            ),
            (
                r"^/v1.0/policies/authenticationStrengthPolicies$",
                lambda m: self._page(request, "x", []),
            ),
            (
                r"^/v1.0/identity/conditionalAccess/authenticationContextClassReferences$",
                lambda m: self._page(
                    request,
                    "x",
                    [{"id": "c1", "displayName": "Sensitive sites", "isAvailable": True}],
                ),
            ),
            (
                r"^/v1.0/identityGovernance/termsOfUse/agreements$",
                lambda m: self._page(request, "agreements", g.agreements),
            ),
            (
                r"^/v1.0/identityGovernance/termsOfUse/agreements/([^/]+)/acceptances$",
                lambda m: self._page(
                    request,
                    "acceptances",
                    [a for a in g.acceptances if a["agreementId"] == m.group(1)],
                ),
            ),
            (
                r"^/v1.0/policies/crossTenantAccessPolicy/default$",
                lambda m: httpx.Response(
                    200,
                    json={
                        "@odata.context": f"{GRAPH}/v1.0/$metadata#policies/crossTenantAccessPolicy/default/$entity",
                        "isServiceDefault": True,
                        "inboundTrust": {
                            "isMfaAccepted": False,
                            "isCompliantDeviceAccepted": False,
                            "isHybridAzureADJoinedDeviceAccepted": False,
                        },
                        "b2bCollaborationOutbound": {
                            "usersAndGroups": {
                                "accessType": "allowed",
                                "targets": [{"target": "AllUsers", "targetType": "user"}],
                            },
                            "applications": {
                                "accessType": "allowed",
                                "targets": [
                                    {"target": "AllApplications", "targetType": "application"}
                                ],
                            },
                        },
                        "b2bDirectConnectInbound": {
                            "usersAndGroups": {
                                "accessType": "blocked",
                                "targets": [{"target": "AllUsers", "targetType": "user"}],
                            },
                            "applications": None,
                        },
                        "automaticUserConsentSettings": {
                            "inboundAllowed": False,
                            "outboundAllowed": False,
                        },
                        "invitationRedemptionIdentityProviderConfiguration": {
                            "primaryIdentityProviderPrecedenceOrder": [
                                "externalFederation",
                                "azureActiveDirectory",
                                "socialIdentityProviders",
                            ],
                            "fallbackIdentityProvider": "defaultConfiguredIdp",
                        },
                    },
                ),
            ),
            (
                r"^/v1.0/policies/crossTenantAccessPolicy/partners$",
                lambda m: self._page(
                    request,
                    "policies/crossTenantAccessPolicy/partners",
                    [
                        {
                            # A partner no contoso user is homed in: no effect on the answers.
                            "tenantId": "9c5d8b5f-0000-4e2b-9d7b-000000000abc",
                            "isServiceProvider": None,
                            "isInMultiTenantOrganization": False,
                            "inboundTrust": {
                                "isMfaAccepted": True,
                                "isCompliantDeviceAccepted": False,
                                "isHybridAzureADJoinedDeviceAccepted": False,
                            },
                            "b2bCollaborationOutbound": None,
                            "b2bCollaborationInbound": None,
                            "b2bDirectConnectOutbound": None,
                            "b2bDirectConnectInbound": None,
                            "tenantRestrictions": None,
                            "automaticUserConsentSettings": {
                                "inboundAllowed": None,
                                "outboundAllowed": None,
                            },
                        }
                    ],
                ),
            ),
            (
                r"^/v1.0/groups/([^/]+)$",
                lambda m: self._one([x for x in g.groups if x["id"] == m.group(1)]),
            ),
            (
                r"^/v1.0/groups/([^/]+)/transitiveMembers/microsoft.graph.user$",
                lambda m: self._cast(request, m.group(1), True),
            ),
            (
                r"^/v1.0/groups/([^/]+)/members/microsoft.graph.user$",
                lambda m: self._cast(request, m.group(1), False),
            ),
            (
                r"^/v1.0/directoryRoles\(roleTemplateId='([^']+)'\)$",
                lambda m: self._one([r for r in g.roles if r["roleTemplateId"] == m.group(1)]),
            ),
            (
                r"^/v1.0/directoryRoles/([^/]+)/members$",
                lambda m: self._page(
                    request,
                    "directoryObjects",
                    self._select(request, g.members.get(m.group(1), [])),
                ),
            ),
            (r"^/v1.0/users$", lambda m: self._page(request, "users", g.users)),
            (
                r"^/v1.0/users/([^/]+)$",
                lambda m: self._one([u for u in g.users if u["id"] == m.group(1)]),
            ),
            (
                r"^/v1.0/users/([^/]+)/transitiveMemberOf$",
                lambda m: self._page(
                    request, "directoryObjects", g.transitive_member_of.get(m.group(1), [])
                ),
            ),
            (
                r"^/v1.0/users/([^/]+)/registeredDevices$",
                lambda m: self._page(
                    request, "directoryObjects", g.registered_devices.get(m.group(1), [])
                ),
            ),
            (r"^/v1.0/devices$", lambda m: self._page(request, "devices", self._devices(request))),
            (r"^/v1.0/groups$", lambda m: self._page(request, "groups", g.groups)),
            (
                r"^/v1.0/groups/([^/]+)/members$",
                lambda m: self._page(
                    request,
                    "directoryObjects",
                    self._select(request, g.members.get(m.group(1), [])),
                ),
            ),
            (r"^/v1.0/directoryRoles$", lambda m: self._page(request, "directoryRoles", g.roles)),
            (r"^/v1.0/servicePrincipals$", lambda m: self._page(request, "servicePrincipals", [])),
            (
                r"^/v1.0/auditLogs/signIns$",
                lambda m: self._page(request, "auditLogs/signIns", self._sign_ins(request, True)),
            ),
            (
                r"^/beta/auditLogs/signIns$",
                lambda m: self._page(request, "auditLogs/signIns", self._sign_ins(request, False)),
            ),
        ]
        del d
        for pattern, answer in routes:
            m = re.match(pattern, path)
            if m:
                return answer(m)
        return httpx.Response(
            400,
            json=graph_error(400, "BadRequest", f"Resource not found for the segment '{path}'."),
        )

    @staticmethod
    def _select(request: httpx.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``$select``: the named properties; directoryObjects keep their ``@odata.type``."""
        select = request.url.params.get("$select")
        if not select:
            return items
        keep = {k.strip() for k in select.split(",")} | {"@odata.type"}
        return [{k: v for k, v in i.items() if k in keep} for i in items]

    def _sign_ins(self, request: httpx.Request, v1: bool) -> list[dict[str, Any]]:
        """v1.0 lists interactive user sign-ins only; beta lists every kind, or those a
        ``signInEventTypes/any(t: t eq '...')`` clause names (the filter Graph documents)."""
        wanted = re.findall(
            r"signInEventTypes/any\(t: t eq '(\w+)'\)", request.url.params.get("$filter", "")
        )
        if v1:
            assert not wanted, "v1.0 has no signInEventTypes"
            wanted = ["interactiveUser"]
        rows = [
            {k: v for k, v in r.items() if not (v1 and k == "signInEventTypes")}
            for r in self.sign_ins
            if not wanted or set(wanted) & set(r.get("signInEventTypes") or ["interactiveUser"])
        ]
        return rows

    def _devices(self, request: httpx.Request) -> list[dict[str, Any]]:
        """``GET /devices``, with ``$expand=registeredOwners($select=id)`` when asked."""
        expand = request.url.params.get("$expand") or ""
        out = copy.deepcopy(self.g.devices)
        if expand.startswith("registeredOwners"):
            for dev in out:
                dev["registeredOwners"] = [
                    {"@odata.type": "#microsoft.graph.user", "id": uid}
                    for uid, devs in self.g.registered_devices.items()
                    if any(x["deviceId"] == dev["deviceId"] for x in devs)
                ]
        return out

    def _one(self, found: list[dict[str, Any]]) -> httpx.Response:
        if not found:
            return httpx.Response(
                404, json=graph_error(404, "Request_ResourceNotFound", "Resource does not exist.")
            )
        return httpx.Response(
            200, json={"@odata.context": f"{GRAPH}/v1.0/$metadata#x/$entity", **found[0]}
        )

    def _cast(self, request: httpx.Request, group_id: str, transitive: bool) -> httpx.Response:
        if (
            request.headers.get("ConsistencyLevel") != "eventual"
            or request.url.params.get("$count") != "true"
        ):
            return httpx.Response(
                400,
                json=graph_error(
                    400,
                    "Request_UnsupportedQuery",
                    "The specified filter to the reference property query is currently not supported.",
                ),
            )
        d = self.g.tenant.directory
        if transitive:
            users = [u for u in d.users if group_id in u.group_ids]
        else:
            group = d.group(group_id)
            users = [u for u in d.users if group and u.id in group.member_ids]
        return self._page(
            request, "users", [{"@odata.type": "#microsoft.graph.user", "id": u.id} for u in users]
        )

    # -- Power Platform admin APIs ----------------------------------------------------------
    def _pp(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        assert request.url.params.get("api-version")
        path = request.url.path
        fault = self._fault(request.url.host + path)
        if fault is not None:
            return fault
        if path.endswith("/scopes/admin/environments"):
            env = {
                "id": f"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{ENV}",
                "name": ENV,
                "type": "Microsoft.BusinessAppPlatform/scopes/environments",
                "location": "unitedstates",
                "properties": {"displayName": "Contoso (default)", "environmentSku": "Default"},
            }
            return self._page(request, "", [env], link="nextLink")
        if path.endswith(f"/environments/{ENV}/connections"):
            return self._page(request, "", self.g.connections, link="nextLink")
        if path.endswith(f"/environments/{ENV}/v2/flows"):
            listed = []
            for f in self.g.flows:
                item = copy.deepcopy(f)
                item["properties"].pop("definition", None)  # the list omits definitions
                item["properties"].pop("connectionReferences", None)
                listed.append(item)
            return self._page(request, "", listed, link="nextLink")
        m = re.search(rf"/environments/{ENV}/flows/([^/]+)$", path)
        if m:
            found = [f for f in self.g.flows if f["name"] == m.group(1)]
            if found:
                return httpx.Response(200, json=found[0])
        return httpx.Response(
            404, json={"error": {"code": "NotFound", "message": f"{path} not found"}}
        )


def facts(requests: int) -> dict[str, object]:
    """The facts of a run ``caflow pull`` adds to pull.write.manifest (cli.pull_cmd), fixed:
    a bundle the tests write through the library is one the loader and the schema accept."""
    return {
        "caflow": "0.0.0-test",
        "startedAt": "2026-02-02T09:00:00Z",
        "finishedAt": "2026-02-02T09:00:01Z",
        "auth": "environment",
        "options": {"allUsers": False, "since": None, "skip": [], "signInTypes": []},
        "requests": requests,
        "retries": 0,
    }
