"""Location or unmanaged-device policies on SharePoint block its out-of-box flows.

Seed 002 effect 7: "the creation and execution of SharePoint out-of-box flows, such as the
Request Signoff and Page Approval flows, can be blocked by conditional access policies ... This
scenario applies both to the network location and to conditional access policies (such as
Disallow Unmanaged Devices)." The engine tells which policies bite a SharePoint sign-in from
outside trusted networks or an unmanaged device but not from a trusted, managed one.
"""

from __future__ import annotations

from collections.abc import Iterator

from caflow.advise.context import Context, Probe, applying, policy_evidence, policy_finding
from caflow.advise.model import Finding, Severity
from caflow.model import Tenant
from caflow.model.wellknown import SHAREPOINT

RULE_ID = "sharepoint_location_or_device_policy"
GOOD = Probe(where="trusted", mfa=True, managed=True, accept_terms=True)
BAD = (
    Probe(where="untrusted", mfa=True, accept_terms=True),
    Probe(where="abroad", mfa=True, accept_terms=True),
)


def check(tenant: Tenant, ctx: Context) -> Iterator[Finding]:
    hits: dict[str, set[str]] = {}
    for variant in ctx.variants:
        for user in ctx.users:
            good = applying(ctx.evaluate(variant, user, SHAREPOINT, GOOD))
            for probe in BAD:
                bad = applying(ctx.evaluate(variant, user, SHAREPOINT, probe))
                for pid in bad.keys() - good.keys():
                    if variant.report_only and pid not in ctx.report_only_ids:
                        continue
                    hits.setdefault(pid, set()).add(user.id)
    for pid, user_ids in sorted(hits.items()):
        p = tenant.policy(pid)
        if p is None:
            continue
        ids = {u.lower() for u in user_ids}
        flows = sorted(
            f.name
            for f in tenant.flows
            if (f.owner_id or "").lower() in ids
            and (
                f.trigger.kind == "sharePoint"
                or any(r.connector == "sharepointonline" for r in f.connections)
            )
        )
        yield policy_finding(
            RULE_ID,
            p,
            Severity.MEDIUM,
            f"policy {p.label} restricts SharePoint by network location or device state "
            f"for {ctx.user_count(ids)}; SharePoint out-of-box flows (Request sign-off, Page approval) "
            "can be blocked.",
            evidence=(
                policy_evidence(p, "conditions", note="locations / devices / platforms"),
                policy_evidence(p, "grantControls"),
            ),
            flows=flows,
            users=ctx.user_labels(ctx.label(u) for u in user_ids)[:50],
            apps=(SHAREPOINT,),
            error_code="AADSTS53003",
        )
