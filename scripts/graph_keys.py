"""Extract the property and enum-member lists of the Graph types caflow reads, from Microsoft
Graph's published metadata, into ``tests/data/graph/graph_keys.json``.

    python scripts/graph_keys.py --git /path/to/msgraph-metadata/.git --rev <commit>
    python scripts/graph_keys.py --checkout /path/to/msgraph-metadata

Source: https://github.com/microsoftgraph/msgraph-metadata (MIT licence: tests/data/graph/LICENSE and SOURCES.md).

* **v1.0**: ``schemas/v1.0-Prod.csdl``, the CSDL of the production v1.0 endpoint: each type's
  own properties and navigation properties, plus those inherited through ``BaseType``
  (``conditionalAccessPolicy`` inherits ``id`` from ``entity``; ``signInFrequencySessionControl``
  inherits ``isEnabled`` from ``conditionalAccessSessionControl``), each with its declared type.
* **beta**: ``schemas/type-mappings/beta-{entity,complex,enum}-types.json``, which Microsoft's
  own ``scripts/generate-type-mappings.ps1`` generates from ``schemas/beta-Prod.csdl`` (the
  beta CSDL itself is too large to keep here). They list each type's *own* properties and each
  enum's members. Inherited properties follow the beta ``BaseType`` chain, which can differ
  from v1.0's (beta ``crossTenantAccessPolicy`` derives from ``tenantRelationshipAccessPolicyBase``
  and so has ``definition``): read from ``schemas/beta-USNat.csdl`` (the beta CSDL of a national
  cloud, kept here in full), else :data:`BETA_BASE_TYPES` (beta-only types, base type as their
  Graph reference page states it), else the v1.0 CSDL; the script fails when none knows it.

The output keeps only the types listed in :data:`TYPES` / :data:`ENUMS` (the ones a policy,
named-location, authentication-strength, agreement or cross-tenant-access export carries), so
the test data stays small; ``tests/io/test_graph_keys.py`` compares caflow's key lists and
closed value sets with it. The What If ``evaluate`` action's own parameters (``signInIdentity``,
``signInContext``, ``signInConditions``, ``appliedPoliciesOnly``) are kept as well.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "graph" / "graph_keys.json"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
REPO_URL = "https://github.com/microsoftgraph/msgraph-metadata"

#: Entity and complex types whose properties a caflow bundle file may carry.
TYPES = (
    # policies/*.json (conditionalAccessPolicy and what it holds)
    "conditionalAccessPolicy",
    "whatIfAnalysisResult",  # What If results carry the policy and these fields
    "conditionalAccessConditionSet",
    "conditionalAccessUsers",
    "conditionalAccessGuestsOrExternalUsers",
    "conditionalAccessExternalTenants",
    "conditionalAccessAllExternalTenants",
    "conditionalAccessEnumeratedExternalTenants",
    "conditionalAccessApplications",
    "conditionalAccessFilter",
    "conditionalAccessGlobalSecureAccess",
    "conditionalAccessNetworkAccess",
    "conditionalAccessClientApplications",
    "conditionalAccessPlatforms",
    "conditionalAccessLocations",
    "conditionalAccessDevices",
    "conditionalAccessDeviceStates",
    "conditionalAccessAuthenticationFlows",
    "conditionalAccessGrantControls",
    "conditionalAccessSessionControls",
    "conditionalAccessSessionControl",
    "applicationEnforcedRestrictionsSessionControl",
    "cloudAppSecuritySessionControl",
    "signInFrequencySessionControl",
    "persistentBrowserSessionControl",
    "continuousAccessEvaluationSessionControl",
    "secureSignInSessionControl",
    "globalSecureAccessFilteringProfileSessionControl",
    # templates (details)
    "conditionalAccessTemplate",
    "conditionalAccessPolicyDetail",
    # namedLocations.json
    "namedLocation",
    "ipNamedLocation",
    "countryNamedLocation",
    "compliantNetworkNamedLocation",
    "privateLinkNamedLocation",
    "serviceTagNamedLocation",
    "ipRange",
    "iPv4CidrRange",
    "iPv6CidrRange",
    # authenticationStrengths.json, authentication contexts
    "authenticationStrengthPolicy",
    "authenticationContextClassReference",
    # agreements.json, agreementAcceptances.json
    "agreement",
    "termsExpiration",
    "agreementAcceptance",
    # crossTenantAccess.json
    "crossTenantAccessPolicy",
    "crossTenantAccessPolicyConfigurationDefault",
    "crossTenantAccessPolicyConfigurationPartner",
    "crossTenantAccessPolicyInboundTrust",
    # What If (evaluate) request bodies: whatif --request
    "signInConditions",
    "userSignIn",
    "servicePrincipalSignIn",
    "applicationContext",
    "userActionContext",
    "authContext",
    "authenticationFlow",
    "deviceInfo",
)

#: Enum types of the fields above whose values caflow checks against a closed set.
ENUMS = (
    "conditionalAccessPolicyState",
    "conditionalAccessClientApp",
    "conditionalAccessDevicePlatform",
    "conditionalAccessGrantControl",
    "conditionalAccessGuestOrExternalUserTypes",
    "conditionalAccessExternalTenantsMembershipKind",
    "conditionalAccessTransferMethods",
    "conditionalAccessInsiderRiskLevels",
    "conditionalAccessAgentIdRiskLevels",
    "riskLevel",
    "filterMode",
    "signinFrequencyType",
    "signInFrequencyInterval",
    "signInFrequencyAuthenticationType",
    "persistentBrowserSessionMode",
    "cloudAppSecuritySessionControlType",
    "continuousAccessEvaluationMode",
    "countryLookupMethodType",
    "authenticationMethodModes",
    "agreementAcceptanceState",
    # What If request values
    "userAction",
    "insiderRiskLevel",
)

#: Base types of beta-only types no CSDL here declares, as their Graph beta reference pages
#: (https://learn.microsoft.com/graph/api/resources/<name>?view=graph-rest-beta) state them.
BETA_BASE_TYPES: dict[str, str | None] = {
    "conditionalAccessGlobalSecureAccess": None,  # "Properties: None."
    "conditionalAccessNetworkAccess": None,
    "globalSecureAccessFilteringProfileSessionControl": "conditionalAccessSessionControl",
    "compliantNetworkNamedLocation": "namedLocation",
    "privateLinkNamedLocation": "namedLocation",
    "serviceTagNamedLocation": "namedLocation",
}


class _Source:
    """Files of an msgraph-metadata checkout, or of a git directory at one commit."""

    def __init__(self, checkout: Path | None, git_dir: Path | None, rev: str) -> None:
        self.checkout, self.git_dir = checkout, git_dir
        self.commit = rev
        if git_dir is not None:
            self.commit = self._git("rev-parse", f"{rev}^{{commit}}").strip()

    def _git(self, *args: str) -> str:
        assert self.git_dir is not None
        return subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def text(self, path: str) -> str:
        if self.git_dir is not None:
            return self._git("show", f"{self.commit}:{path}")
        assert self.checkout is not None
        return (self.checkout / path).read_text(encoding="utf-8")

    def date(self) -> str:
        if self.git_dir is None:
            return ""
        return self._git("show", "-s", "--format=%cI", self.commit).strip()


class _Csdl:
    """Entity/complex types (base type; property -> declared type) and enums of one CSDL."""

    def __init__(self, text: str) -> None:
        root = ET.fromstring(text)
        self.types: dict[str, tuple[str | None, dict[str, str]]] = {}
        self.enums: dict[str, list[str]] = {}
        for schema in root.iter(f"{EDM}Schema"):
            if schema.get("Namespace") != "microsoft.graph":
                continue
            for kind in ("EntityType", "ComplexType"):
                for node in schema.findall(f"{EDM}{kind}"):
                    props = {
                        str(p.get("Name")): _short(str(p.get("Type")))
                        for tag in ("Property", "NavigationProperty")
                        for p in node.findall(f"{EDM}{tag}")
                    }
                    base = node.get("BaseType")
                    self.types[str(node.get("Name"))] = (_short(base) if base else None, props)
            for node in schema.findall(f"{EDM}EnumType"):
                self.enums[str(node.get("Name"))] = [
                    str(m.get("Name")) for m in node.findall(f"{EDM}Member")
                ]


def _short(type_name: str) -> str:
    """``Collection(graph.riskLevel)`` -> ``Collection(riskLevel)``; ``graph.x`` -> ``x``."""
    for prefix in ("graph.", "microsoft.graph."):
        type_name = type_name.replace(prefix, "")
    return type_name


def _v1(csdl: _Csdl, name: str) -> dict[str, str] | None:
    if name not in csdl.types:
        return None
    out: dict[str, str] = {}
    base: str | None = name
    while base is not None:
        parent, props = csdl.types[base]
        out = {**props, **out}
        base = parent
    return dict(sorted(out.items()))


def _beta(name: str, own: dict[str, Any], structure: tuple[_Csdl, _Csdl]) -> list[str] | None:
    """Own properties (Prod type mappings) plus the base types' (their own mappings)."""
    if name not in own:
        return None
    names = set(own[name]["properties"]) | set(own[name]["navigationProperties"])
    base = _base(name, structure)
    while base is not None:
        if base not in own:
            raise SystemExit(f"beta base type {base} of {name} not in the type mappings")
        names |= set(own[base]["properties"]) | set(own[base]["navigationProperties"])
        base = _base(base, structure)
    return sorted(names)


def _base(name: str, structure: tuple[_Csdl, _Csdl]) -> str | None:
    beta_cloud, v1 = structure
    if name in beta_cloud.types:
        return beta_cloud.types[name][0]
    if name in BETA_BASE_TYPES:
        return BETA_BASE_TYPES[name]
    if name in v1.types:
        return v1.types[name][0]
    raise SystemExit(f"no CSDL here declares the base type of {name}")


def extract(source: _Source) -> dict[str, Any]:
    v1 = _Csdl(source.text("schemas/v1.0-Prod.csdl"))
    usnat_beta = _Csdl(source.text("schemas/beta-USNat.csdl"))
    mappings = "schemas/type-mappings/"
    beta_own: dict[str, Any] = {}
    for kind in ("entity", "complex"):
        beta_own |= json.loads(source.text(f"{mappings}beta-{kind}-types.json"))["microsoft.graph"]
    beta_enums = json.loads(source.text(f"{mappings}beta-enum-types.json"))["microsoft.graph"]
    types: dict[str, Any] = {}
    for name in TYPES:
        v1_props = _v1(v1, name)
        beta_props = _beta(name, beta_own, (usnat_beta, v1))
        if v1_props is None and beta_props is None:
            raise SystemExit(f"type {name} is in neither v1.0 nor beta")
        types[name] = {"v1.0": v1_props, "beta": beta_props}
    v1_root = ET.fromstring(source.text("schemas/v1.0-Prod.csdl"))
    evaluate = [
        str(p.get("Name"))
        for action in v1_root.iter(f"{EDM}Action")
        if action.get("Name") == "evaluate"
        and any("conditionalAccessRoot" in str(p.get("Type")) for p in action)
        for p in action.findall(f"{EDM}Parameter")
        if p.get("Name") != "bindingParameter"
    ]
    if not evaluate:
        raise SystemExit("no conditionalAccessRoot evaluate action in the v1.0 CSDL")
    enums: dict[str, Any] = {}
    for name in ENUMS:
        v1_members = v1.enums.get(name)
        beta_members = beta_enums.get(name)
        if v1_members is None and beta_members is None:
            raise SystemExit(f"enum {name} is in neither v1.0 nor beta")
        enums[name] = {"v1.0": v1_members, "beta": beta_members}
    return {
        "source": {
            "repository": REPO_URL,
            "commit": source.commit,
            "commitDate": source.date(),
            "licence": "MIT (Copyright (c) 2018 Microsoft Graph): tests/data/graph/LICENSE",
            "v1.0": "schemas/v1.0-Prod.csdl (properties with their types, inherited included)",
            "beta": (
                "schemas/type-mappings/beta-{entity,complex,enum}-types.json (generated by "
                "Microsoft from schemas/beta-Prod.csdl); inherited properties through the base "
                "types of schemas/beta-USNat.csdl, else the reference pages "
                "(scripts/graph_keys.py BETA_BASE_TYPES), else schemas/v1.0-Prod.csdl"
            ),
            "generator": "scripts/graph_keys.py",
        },
        "types": types,
        "enums": enums,
        "actions": {"conditionalAccessRoot.evaluate": {"v1.0": sorted(evaluate)}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--checkout", type=Path, help="a working tree of msgraph-metadata")
    where.add_argument("--git", type=Path, help="a git directory of msgraph-metadata")
    parser.add_argument("--rev", default="HEAD", help="commit to read with --git")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = extract(_Source(args.checkout, args.git, args.rev))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(data['types'])} types, {len(data['enums'])} enums)")


if __name__ == "__main__":
    main()
