"""Grant controls of one applying policy against the claims of a sign-in (docs/sources.md CA-1.8, CA-2.9).

``AND`` needs every control, ``OR`` any one. Unmet controls are reported as *requirements* in
the documented prompt order: MFA -> compliant device -> hybrid joined device -> approved client
app -> app protection policy -> password change -> terms of use -> custom controls (CA-2.9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caflow.engine.external import external_limits
from caflow.engine.signin import SignIn
from caflow.model.policy import GrantControls, StrengthRef
from caflow.model.pulled import cross_tenant_access_not_pulled
from caflow.model.tenant import Tenant
from caflow.model.wellknown import BUILTIN_STRENGTHS

__all__ = ["REQUIREMENT_ORDER", "GrantOutcome", "evaluate_grant", "terms_status"]

REQUIREMENT_ORDER = (
    "mfa",
    "authenticationStrength",
    "compliantDevice",
    "domainJoinedDevice",
    "approvedApplication",
    "compliantApplication",
    "passwordChange",
    "riskRemediation",
    "termsOfUse",
    "customControl",
)


def requirement_rank(req: str) -> int:
    """Position of a requirement in the documented prompt order (CA-2.9)."""
    head = req.split(":", 1)[0]
    return REQUIREMENT_ORDER.index(head) if head in REQUIREMENT_ORDER else len(REQUIREMENT_ORDER)


@dataclass(frozen=True, slots=True)
class GrantOutcome:
    result: str  # satisfied | notSatisfied | blocked | undetermined | notApplicable
    unmet: tuple[str, ...] = ()  # for AND: every unmet control; for OR: the alternatives
    operator: str = "AND"
    terms_detail: tuple[
        tuple[str, str], ...
    ] = ()  # (agreement id, notAccepted|expired|perDevice|unknown)
    reason: str = ""
    #: Why the grant hangs on what the bundle does not hold (Terms of Use acceptances caflow
    #: pull could not read): the policy is then ``notEnoughInformation`` (engine.evaluate).
    missing: str = ""

    @property
    def requirement(self) -> tuple[str, ...]:
        """What an interactive sign-in must still do, as display strings."""
        if not self.unmet:
            return ()
        if self.operator == "OR" and len(self.unmet) > 1:
            return (" or ".join(self.unmet),)
        return self.unmet


def _methods_are_mfa(methods: frozenset[str]) -> bool:
    """Windows Hello for Business, FIDO2, TAP ... satisfy "Require MFA" (CA-2.9): any combination
    of the built-in Multifactor authentication strength counts (CA-5.3)."""
    if not methods:
        return False
    combos = BUILTIN_STRENGTHS["00000000-0000-0000-0000-000000000002"][1]
    return any(combo <= methods for combo in combos)


def _strength_ok(strength: StrengthRef, s: SignIn, t: Tenant) -> bool | None:
    combos = strength.allowed_combinations
    if not combos:
        known = t.strengths.get(strength.id.lower())
        combos = known.allowed_combinations if known else ()
    if not combos and strength.id in BUILTIN_STRENGTHS:
        combos = BUILTIN_STRENGTHS[strength.id][1]
    if not combos:
        return None  # a custom strength the bundle does not define
    methods = set(s.auth_methods)
    if not methods and s.mfa:
        methods = set(t.settings.defaultMfaMethods)  # docs/assumptions.md A-GRANT-2
    if not methods:
        return False
    return any(combo <= methods for combo in combos)


def terms_status(agreement_id: str, s: SignIn, t: Tenant, now: datetime) -> str:
    """``accepted`` | ``notAccepted`` | ``expired`` | ``perDevice`` (docs/sources.md
    TS-5.3 to TS-5.4), or ``unknown``: nothing recorded says the user accepted, but the bundle does not
    record who accepted this agreement (``Tenant.acceptances_unrecorded``: no
    agreementAcceptances.json, acceptances caflow pull could not read, one page of them;
    docs/assumptions.md A-TOU-1, A-PULL-7), and the acceptances are the user's own (a what-if
    reading the bundle's, a refresh reading the owner's) with none of this agreement in the
    user's known history (a scenario's ``acceptAgreement``, ``terms_known``)."""
    if agreement_id in s.accepted_terms or agreement_id.lower() in {
        a.lower() for a in s.accepted_terms
    }:
        return "accepted"
    status = _recorded_terms_status(agreement_id, s, t, now)
    key = agreement_id.lower()
    if status in ("accepted", "perDevice") or key not in t.acceptances_unrecorded:
        return status
    agreement = t.agreements.get(key)
    if agreement is not None and agreement.per_device and not s.device_registered:
        return status  # a per-device consent stays impossible without a registered device
    if s.terms_known is not None:
        return status if key in s.terms_known else "unknown"
    return "unknown" if s.use_recorded_acceptances and s.user is not None else status


def _recorded_terms_status(agreement_id: str, s: SignIn, t: Tenant, now: datetime) -> str:
    agreement = t.agreements.get(agreement_id.lower())
    if not s.use_recorded_acceptances or s.user is None:
        return "notAccepted"
    per_device = bool(agreement and agreement.per_device)
    if per_device and not s.device_registered:
        return "perDevice"  # consent is keyed by a registered device id
    seen_expired = False
    for acc in t.acceptances:
        if (
            acc.agreement_id.lower() != agreement_id.lower()
            or acc.user_id.lower() != s.user.id.lower()
        ):
            continue
        if acc.state.lower() != "accepted" or acc.recorded > now:
            continue
        if per_device and (acc.device_id or "").lower() != (s.device_id or "").lower():
            continue
        expiry = acc.expiration
        if agreement is not None:
            computed = agreement.acceptance_expires(acc.recorded)
            if computed is not None and (expiry is None or computed < expiry):
                expiry = computed
        if expiry is not None and expiry <= now:
            seen_expired = True
            continue
        return "accepted"
    return "expired" if seen_expired else ("perDevice" if per_device else "notAccepted")


def _untrusted(checks: list[tuple[str, bool | None]], s: SignIn, t: Tenant) -> dict[str, str]:
    """Controls of ``checks`` that this external user cannot meet (control -> why)."""
    limits = external_limits(s, t)
    if limits is None:
        return {}
    out: dict[str, str] = {}
    for name, _ in checks:
        head = name.split(":", 1)[0]
        if (
            (head == "compliantDevice" and limits.compliant_device)
            or (head == "domainJoinedDevice" and limits.hybrid_joined_device)
            or (head in ("mfa", "authenticationStrength") and limits.mfa)
        ):
            out[name] = limits.reason(head)
    return out


def evaluate_grant(
    grant: GrantControls | None, s: SignIn, t: Tenant, now: datetime
) -> GrantOutcome:
    if grant is None or grant.is_empty:
        return GrantOutcome("notApplicable")
    builtins = [c.strip() for c in grant.built_in]
    if any(c.lower() == "block" for c in builtins):
        return GrantOutcome("blocked", ("block",), grant.operator)

    checks: list[tuple[str, bool | None]] = []
    terms_detail: list[tuple[str, str]] = []
    device: Mapping[str, Any] = s.device if s.device is not None and s.device_registered else {}
    if (s.transfer_method or "").lower() == "devicecodeflow":
        # Device-code sign-ins do not pass device state, so they cannot satisfy "require
        # compliant / hybrid joined device" (CA-2.8, CA-2.12).
        device = {}
    for control in builtins:
        key = control.lower()
        if key == "mfa":
            checks.append(("mfa", s.mfa or _methods_are_mfa(s.auth_methods)))
        elif key == "compliantdevice":
            checks.append(("compliantDevice", device.get("isCompliant") in (True, "True", "true")))
        elif key == "domainjoineddevice":
            checks.append(
                ("domainJoinedDevice", str(device.get("trustType", "")).lower() == "serverad")
            )
        elif key == "approvedapplication":
            checks.append(("approvedApplication", s.approved_app))
        elif key == "compliantapplication":
            checks.append(("compliantApplication", s.app_protection))
        elif key == "passwordchange":
            checks.append(("passwordChange", s.password_changed))
        elif key == "riskremediation":
            checks.append(("riskRemediation", False))
        else:
            checks.append((f"unknownControl:{control}", None))
    if grant.authentication_strength is not None:
        checks.append(
            (
                f"authenticationStrength:{grant.authentication_strength.id}",
                _strength_ok(grant.authentication_strength, s, t),
            )
        )
    missing = ""
    for tou in grant.terms_of_use:
        status = terms_status(tou, s, t, now)
        if status != "accepted":
            terms_detail.append((tou, status))
        if status == "unknown":
            missing = t.acceptances_unknown()
        checks.append((f"termsOfUse:{tou}", None if status == "unknown" else status == "accepted"))
    for custom in grant.custom_factors:
        checks.append((f"customControl:{custom}", None))

    operator = grant.operator if grant.operator in ("AND", "OR") else "AND"
    impossible = _untrusted(checks, s, t)
    trust_unknown = ""
    if impossible:
        home = s.user.external_tenant_id if s.user is not None else None
        trust_unknown = cross_tenant_access_not_pulled(
            t.not_pulled
        ) or t.cross_tenant_access.trust_unknown(home)
    if trust_unknown:
        # The trust that would make these controls impossible is what caflow pull could not
        # read (A-PULL-7), or a partner setting the export lost (A-EXT-1): met or impossible is
        # unknown, never Microsoft's default guessed.
        checks = [(n, None if n in impossible else v) for n, v in checks]
        impossible = {}
        missing = missing or trust_unknown
    elif impossible:
        checks = [(n, False if n in impossible else v) for n, v in checks]
    values = [v for _, v in checks]
    unmet = tuple(sorted((n for n, v in checks if v is not True), key=requirement_rank))
    if impossible and (
        (operator != "OR" and any(n in impossible for n in unmet))
        or (operator == "OR" and unmet and all(n in impossible for n in unmet))
    ):
        # Nothing the user can do in this tenant meets the grant: blocked (engine/external.py).
        return GrantOutcome(
            "blocked", unmet, operator, tuple(terms_detail), "; ".join(impossible.values())
        )
    if operator == "OR":
        if any(v is True for v in values):
            return GrantOutcome("satisfied", (), operator)
        if any(v is None for v in values) and not any(n.startswith("customControl") for n in unmet):
            return GrantOutcome(
                "undetermined",
                unmet,
                operator,
                tuple(terms_detail),
                missing or "a control could not be evaluated",
                missing,
            )
        return GrantOutcome("notSatisfied", unmet, operator, tuple(terms_detail))
    if any(v is False for v in values):
        return GrantOutcome("notSatisfied", unmet, operator, tuple(terms_detail))
    if any(v is None for v in values):
        if all(n.startswith("customControl") for n in unmet):
            return GrantOutcome("notSatisfied", unmet, operator, tuple(terms_detail))
        return GrantOutcome(
            "undetermined",
            unmet,
            operator,
            tuple(terms_detail),
            missing or "a control could not be evaluated",
            missing,
        )
    return GrantOutcome("satisfied", (), operator)
