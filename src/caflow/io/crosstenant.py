"""``crossTenantAccess.json`` -> :class:`caflow.model.crosstenant.CrossTenantAccess`.

Graph shapes accepted (camelCase or PowerShell PascalCase):

* the policy with its navigation properties expanded:
  ``{"default": {crossTenantAccessPolicyConfigurationDefault}, "partners": [...]}``
  (``partners`` may be a list or a Graph list response ``{"value": [...]}``);
* a bare ``crossTenantAccessPolicyConfigurationDefault`` (``GET .../crossTenantAccessPolicy/default``);
* a bare partner list (``GET .../crossTenantAccessPolicy/partners``): default = no trust.

An export folder may hold the default and each partner as separate objects (EntraExporter's
``Policies/CrossTenantAccessPolicy/Default`` and ``.../Partners``); io.bundle merges them with
:func:`merge_cross_tenant_access`.

Only ``inboundTrust`` (and ``isServiceProvider``) are read; everything else is kept in the file.
"""

from __future__ import annotations

from typing import Any

from caflow.errors import did_you_mean, json_pointer
from caflow.io.fields import Path, Reader
from caflow.io.normalize import as_list, normalize_keys
from caflow.model.crosstenant import CrossTenantAccess, InboundTrust, PartnerConfig

__all__ = [
    "CONFIG_FIELDS",
    "POLICY_FIELDS",
    "TRUST_FIELDS",
    "is_cross_tenant_default",
    "is_cross_tenant_partner",
    "merge_cross_tenant_access",
    "parse_cross_tenant_access",
    "unknown_cross_tenant_keys",
]

#: Graph v1.0/beta properties of crossTenantAccessPolicyConfigurationDefault / ...Partner, from
#: Graph's published metadata (scripts/graph_keys.py; tests/io/test_graph_keys.py compares).
#: caflow reads only inboundTrust, tenantId, isServiceProvider; the rest is kept as written.
CONFIG_FIELDS = frozenset(
    {
        "id",
        "tenantId",
        "isServiceDefault",
        "isServiceProvider",
        "isInMultiTenantOrganization",
        "inboundTrust",
        "b2bCollaborationInbound",
        "b2bCollaborationOutbound",
        "b2bDirectConnectInbound",
        "b2bDirectConnectOutbound",
        "automaticUserConsentSettings",
        "tenantRestrictions",
        "invitationRedemptionIdentityProviderConfiguration",
        "identitySynchronization",
        "appServiceConnectInbound",
        "blockServiceProviderOutboundAccess",
        "m365Capabilities",
        "m365CollaborationInbound",
        "m365CollaborationOutbound",
        "serviceProviderConstraints",
    }
)
#: crossTenantAccessPolicyInboundTrust.
TRUST_FIELDS = frozenset(
    {"isMfaAccepted", "isCompliantDeviceAccepted", "isHybridAzureADJoinedDeviceAccepted"}
)
#: crossTenantAccessPolicy (beta derives it from tenantRelationshipAccessPolicyBase, hence
#: ``definition``) with its navigation properties expanded.
POLICY_FIELDS = frozenset(
    {"id", "displayName", "description", "deletedDateTime", "definition"}
    | {"allowedCloudEndpoints", "default", "partners", "templates"}
)


def _annotation(key: str) -> bool:
    """OData annotations, and the (empty) ``AdditionalProperties`` bag every Graph PowerShell
    SDK object carries (``Get-MgPolicyCrossTenantAccessPolicyDefault | ConvertTo-Json``; a
    non-empty one is lifted into its object by io/normalize.py)."""
    return key.startswith("@") or "@odata" in key or key == "additionalProperties"


def unknown_cross_tenant_keys(doc: Any, file: str) -> list[str]:
    """Keys of ``crossTenantAccess.json`` that are no Graph property (a typo such as
    ``inboundTrus``): kept as written and not read, so listed once in a load note with a
    did-you-mean (the convention for fields of an exported file caflow does not read) -
    never silently dropped. Each entry: ``/json/pointer (did you mean 'x'?)``."""
    doc = normalize_keys(doc, file=file)
    out: list[str] = []

    def check(obj: Any, path: Path, known: frozenset[str]) -> None:
        if not isinstance(obj, dict):
            return
        for key in obj:
            if key in known or _annotation(str(key)):
                continue
            close = did_you_mean(str(key), sorted(known))
            out.append(
                json_pointer((*path, key)) + (f" (did you mean '{close}'?)" if close else "")
            )
        trust = obj.get("inboundTrust")
        if known is CONFIG_FIELDS and isinstance(trust, dict):
            check(trust, (*path, "inboundTrust"), TRUST_FIELDS)

    if isinstance(doc, dict) and ("default" in doc or "partners" in doc):
        check(doc, (), POLICY_FIELDS)
        check(doc.get("default"), ("default",), CONFIG_FIELDS)
        partners = doc.get("partners")
        prefix: Path = ("partners",)
    else:
        partners, prefix = doc, ()
    for item, path in as_list(partners, file=file, at=prefix):
        check(item, (*prefix, *path), CONFIG_FIELDS)
    return out


def _trust(r: Reader, value: Any, path: Path) -> InboundTrust | None:
    obj = r.obj(value, path)
    if not obj:
        return None

    def flag(key: str) -> bool | None:
        v = obj.get(key)
        return None if v is None else r.boolean(v, (*path, key))

    return InboundTrust(
        flag("isMfaAccepted"),
        flag("isCompliantDeviceAccepted"),
        flag("isHybridAzureADJoinedDeviceAccepted"),
    )


def _partner(r: Reader, value: Any, path: Path) -> PartnerConfig:
    obj = r.obj(value, path, optional=False)
    tenant_id = r.string(obj.get("tenantId"), (*path, "tenantId"), optional=False)
    if not tenant_id:
        raise r.error((*path, "tenantId"), "missing field", "the partner's tenantId", None)
    return PartnerConfig(
        tenant_id=tenant_id,
        inbound_trust=_trust(r, obj.get("inboundTrust"), (*path, "inboundTrust")),
        is_service_provider=r.boolean(obj.get("isServiceProvider"), (*path, "isServiceProvider")),
    )


def parse_cross_tenant_access(doc: Any, file: str, at: Path = ()) -> CrossTenantAccess:
    """``at``: where ``doc`` sits in ``file`` (one object of a list file), for error paths."""
    r = Reader(file, at)
    doc = normalize_keys(doc, file=file)
    partners_doc: Any = None
    default_doc: Any = None
    default_path: Path = ("default",)
    if isinstance(doc, dict) and ("default" in doc or "partners" in doc):
        default_doc = doc.get("default")
        partners_doc = doc.get("partners")
    elif isinstance(doc, dict) and "inboundTrust" in doc and "tenantId" not in doc:
        default_doc, default_path = doc, ()
    else:
        partners_doc = doc
    partners: dict[str, PartnerConfig] = {}
    prefix: Path = ("partners",) if partners_doc is not doc else ()
    for item, path in as_list(partners_doc, file=file, at=prefix):
        p = _partner(r, item, (*prefix, *path))
        partners[p.tenant_id.lower()] = p
    base = InboundTrust(False, False, False)
    default = _trust(
        r, r.obj(default_doc, default_path).get("inboundTrust"), (*default_path, "inboundTrust")
    )
    return CrossTenantAccess(
        default=default.over(base) if default is not None else base,
        partners=partners,
        present=True,
    )


def is_cross_tenant_default(obj: dict[str, Any]) -> bool:
    """A crossTenantAccessPolicyConfigurationDefault (camelCase keys): ``inboundTrust`` and
    ``isServiceDefault`` or its ``@odata.type``, no ``tenantId``."""
    t = str(obj.get("@odata.type", "")).lower()
    if t.endswith(".crosstenantaccesspolicyconfigurationdefault"):
        return True
    return "tenantId" not in obj and "inboundTrust" in obj and "isServiceDefault" in obj


def is_cross_tenant_partner(obj: dict[str, Any]) -> bool:
    """A crossTenantAccessPolicyConfigurationPartner: a ``tenantId`` with ``inboundTrust``."""
    t = str(obj.get("@odata.type", "")).lower()
    if t.endswith(".crosstenantaccesspolicyconfigurationpartner"):
        return True
    return "tenantId" in obj and "inboundTrust" in obj


def merge_cross_tenant_access(
    default: CrossTenantAccess | None, partners: list[CrossTenantAccess], incomplete: str = ""
) -> CrossTenantAccess:
    """One setting from a default object and partner objects read one by one (a later partner
    with the same tenant id replaces an earlier one, as a later write would); ``incomplete``:
    why other partners may have been lost (CrossTenantAccess.partners_incomplete)."""
    merged: dict[str, PartnerConfig] = {}
    for p in partners:
        merged.update(p.partners)
    base = default.default if default is not None else InboundTrust(False, False, False)
    return CrossTenantAccess(
        default=base, partners=merged, present=True, partners_incomplete=incomplete
    )
