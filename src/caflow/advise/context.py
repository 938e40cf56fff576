"""What every rule needs besides the tenant: probe sign-ins, cached evaluations, ownership.

Rules never pattern-match policy JSON to decide; they ask the one evaluator
(``caflow.engine.evaluate``) what a sign-in would meet and compare the answers. A *probe* is a
sign-in under stated conditions (where from, MFA or not, managed device or not, interactive
or a silent background refresh). Report-only policies are evaluated on a second tenant
variant where they are switched on, so their findings read "would break when enabled".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime

from caflow.advise.model import Evidence, Finding, Status
from caflow.advise.severity import Severity
from caflow.automation.connectors import resource_for
from caflow.engine.evaluate import Evaluation, PolicyResult, evaluate
from caflow.engine.signature import UserSignature
from caflow.engine.signin import UNREGISTERED, SignIn
from caflow.errors import json_pointer
from caflow.model import Connection, Flow, IpNamedLocation, Policy, Tenant, User
from caflow.model.policy import PolicyState
from caflow.tokens.options import TokenOptions

__all__ = [
    "DEFAULT_NOW",
    "Context",
    "Probe",
    "Variant",
    "applying",
    "policy_evidence",
    "policy_finding",
    "policy_undetermined",
    "setting_evidence",
]

#: Fixed evaluation moment when the bundle gives none (no wall clock: tests are deterministic).
DEFAULT_NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
#: RFC 5737 TEST-NET-1: a public address outside every named location of a normal bundle.
UNTRUSTED_IP = "192.0.2.10"
#: A country no location policy allows (Antarctica): the "sign-in from elsewhere" probe.
ABROAD = "AQ"
PROBE_DEVICE = {
    "deviceId": "caflow-probe-managed-device",
    "displayName": "caflow probe",
    "operatingSystem": "Windows",
    "trustType": "AzureAD",
    "isCompliant": True,
}


@dataclass(frozen=True, slots=True)
class Probe:
    """Sign-in conditions of one comparison (the same for every app compared)."""

    where: str = "untrusted"  # untrusted | trusted | abroad | egress
    mfa: bool = False
    managed: bool = False
    interactive: bool = True
    accept_terms: bool = False  # claims carry every agreement (neutralises ToU)


INTERACTIVE = Probe()
BACKGROUND = Probe(where="egress", mfa=True, interactive=False)


@dataclass(frozen=True)
class Variant:
    """A tenant to evaluate: the real one, or the one with report-only policies switched on."""

    tenant: Tenant
    report_only: bool  # True: findings here are "would break when enabled"


@dataclass
class Context:
    """Evaluations are cached per policy-relevant user signature (``UserSignature``), and
    connections/flows are indexed by owner/connection; ``reference=True`` is the plain path
    (one evaluation per user, linear scans) the fast one is tested and benchmarked against."""

    tenant: Tenant
    now: datetime = DEFAULT_NOW
    reference: bool = False
    #: A context of a tenant that differs from this one in policies only (check's baseline,
    #: evaluated first): per-policy results of the policies both share are taken from its cache.
    like: Context | None = field(default=None, repr=False)
    _cache: dict[tuple[object, ...], Evaluation] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        t = self.tenant
        self.report_only_ids = frozenset(p.id for p in t.policies if p.report_only)
        variants = [Variant(t, False)]
        if self.report_only_ids:
            switched = tuple(
                replace(p, state=PolicyState.ENABLED) if p.report_only else p for p in t.policies
            )
            variants.append(Variant(t.evolve(policies=switched), True))
        self.variants: tuple[Variant, ...] = tuple(variants)
        self.users: tuple[User, ...] = representative_users(t)
        #: True when ``users`` are probes standing for each policy's scope (the bundle has no
        #: enabled directory user): they make a policy's scope observable, but they are nobody.
        #: Never count or name them in an output (``user_count``, ``user_labels``).
        self.synthetic_users = not any(
            u.account_enabled and not u.unknown for u in t.directory.users
        )
        self._users_by_id = {u.id.lower(): u for u in self.users}
        self._signature = UserSignature.of(t.policies)
        self._signatures: dict[str, tuple[object, ...]] = {}
        self._conns_by_owner: dict[str, tuple[Connection, ...]] | None = None
        self._flows_by_conn: dict[str, list[int]] | None = None
        self._shared = _shared_policies(self, self.like) if not self.reference else None

    # ---- where a probe signs in from -------------------------------------------------
    def _ip(self, where: str) -> tuple[str, str | None]:
        s = self.tenant.settings
        country = s.connectorEgress.country or "US"
        if where == "egress" and s.connectorEgress.ipRanges:
            return _first_host(s.connectorEgress.ipRanges[0]), s.connectorEgress.country
        if where == "trusted":
            for loc in self.tenant.named_locations.values():
                if isinstance(loc, IpNamedLocation) and loc.is_trusted and loc.ranges:
                    return str(next(iter(loc.ranges[0].hosts()), loc.ranges[0][0])), country
            if s.mfaTrustedIps:
                return _first_host(s.mfaTrustedIps[0]), country
        if where == "abroad":
            return UNTRUSTED_IP, ABROAD
        return UNTRUSTED_IP, country

    def egress_trusted(self) -> bool:
        """Is any connector egress address inside a trusted IP named location?"""
        for rng in self.tenant.settings.connectorEgress.ipRanges:
            addr = ipaddress.ip_address(_first_host(rng))
            for loc in self.tenant.named_locations.values():
                if isinstance(loc, IpNamedLocation) and loc.is_trusted and loc.contains(addr):
                    return True
        return False

    def signin(self, user: User, app_id: str, probe: Probe) -> SignIn:
        ip, country = self._ip(probe.where)
        terms = frozenset(self.tenant.agreements) if probe.accept_terms else frozenset()
        return SignIn(
            user=user,
            app_id=app_id,
            ip=ip,
            country=country,
            platform="windows",
            # A background refresh is the API Hub confidential client (A-TOK-4).
            client_app="browser" if probe.interactive else TokenOptions().refresh_client_app,
            device=dict(PROBE_DEVICE) if probe.managed else UNREGISTERED,
            mfa=probe.mfa,
            auth_methods=frozenset(self.tenant.settings.defaultMfaMethods)
            if probe.mfa
            else frozenset(),
            accepted_terms=terms,
            use_recorded_acceptances=False,
            interactive=probe.interactive,
        )

    def evaluate(self, variant: Variant, user: User, app_id: str, probe: Probe) -> Evaluation:
        """The evaluation of ``probe`` for ``user``. Shared by every user of the same signature:
        its ``signin.user`` is whichever of them came first, so take the user from the caller."""
        who = user.id if self.reference else self._signature_of(user)
        key = (variant.report_only, who, app_id, probe)
        hit = self._cache.get(key)
        if hit is None:
            signin = self.signin(user, app_id, probe)
            known = self._known(variant, user, app_id, probe)
            hit = evaluate(variant.tenant, signin, self.now, known=known)
            self._cache[key] = hit
        return hit

    def _known(
        self, variant: Variant, user: User, app_id: str, probe: Probe
    ) -> list[PolicyResult | None] | None:
        """Results ``like`` already has for the policies both tenants share: its evaluation of
        the same probe for a user of ``user``'s signature there (equal signatures, equal
        results per policy). Each is re-pointed at this variant's policy object."""
        if self._shared is None or self.like is None:
            return None
        other = self.like
        theirs = other._cache.get((variant.report_only, other._signature_of(user), app_id, probe))
        if theirs is None:
            return None
        out: list[PolicyResult | None] = []
        for p, j in zip(variant.tenant.policies, self._shared, strict=True):
            r = None if j is None else theirs.results[j]
            out.append(r if r is None or r.policy is p else replace(r, policy=p))
        return out

    def _signature_of(self, user: User) -> tuple[object, ...]:
        # Keyed by user id, as the evaluation cache was before signatures.
        sig = self._signatures.get(user.id)
        if sig is None:
            sig = self._signatures[user.id] = self._signature(user)
        return sig

    # ---- what an output may say about users ------------------------------------------
    def user_count(self, labels: Iterable[str], noun: str = "user(s)") -> str:
        """``"3 user(s)"``; with probe users, no number: who they are is not in the bundle."""
        if self.synthetic_users:
            return (
                f"the {noun} in its scope (who and how many: not in the bundle, no directory users)"
            )
        return f"{len(set(labels))} {noun}"

    def user_labels(self, labels: Iterable[str]) -> list[str]:
        """Sorted user labels for a finding; none for probe users (they are nobody)."""
        return [] if self.synthetic_users else sorted(set(labels))

    # ---- ownership ------------------------------------------------------------------
    def user(self, ref: str | None) -> User | None:
        if not ref:
            return None
        return self._users_by_id.get(ref.lower()) or self.tenant.directory.user(ref)

    def label(self, ref: str | None) -> str:
        u = self.user(ref)
        return u.label() if u else (ref or "?")

    def connections_of(self, user: User) -> tuple[Connection, ...]:
        """The user's bundle connections, in bundle order."""
        if self.reference:
            return tuple(
                c for c in self.tenant.connections if (c.owner_id or "").lower() == user.id.lower()
            )
        if self._conns_by_owner is None:
            index: dict[str, list[Connection]] = {}
            for c in self.tenant.connections:
                index.setdefault((c.owner_id or "").lower(), []).append(c)
            self._conns_by_owner = {k: tuple(v) for k, v in index.items()}
        return self._conns_by_owner.get(user.id.lower(), ())

    def flows_using(self, connections: Iterable[str]) -> tuple[Flow, ...]:
        """Flows referencing any of ``connections`` (names), in bundle order, each once."""
        names = {c.lower() for c in connections}
        flows = self.tenant.flows
        if self.reference:
            return tuple(
                f for f in flows if any(r.connection.lower() in names for r in f.connections)
            )
        if self._flows_by_conn is None:
            index: dict[str, list[int]] = {}
            for i, f in enumerate(flows):
                for r in f.connections:
                    index.setdefault(r.connection.lower(), []).append(i)
            self._flows_by_conn = index
        hits = {i for n in names for i in self._flows_by_conn.get(n, ())}
        return tuple(flows[i] for i in sorted(hits))

    def flow_users(self) -> tuple[User, ...]:
        """Users tagged serviceAccount/flowConnectionOwner and owners of bundle connections."""
        owners = {(c.owner_id or "").lower() for c in self.tenant.connections}
        return tuple(u for u in self.tenant.directory.users if _tagged(u) or u.id.lower() in owners)

    def service_accounts(self) -> tuple[User, ...]:
        """Service accounts and *dedicated* flow connection owners (seed 000 recommendation 2):
        users tagged serviceAccount/flowConnectionOwner. Only when the bundle tags nobody are
        all connection owners taken instead (docs/assumptions.md A-ADV-1)."""
        tagged = tuple(u for u in self.tenant.directory.users if _tagged(u))
        return tagged or self.flow_users()

    def connection_resources(self, user: User) -> dict[str, list[Connection]]:
        """Resource app id -> this user's connections that refresh tokens for it."""
        out: dict[str, list[Connection]] = {}
        for c in self.connections_of(user):
            app = resource_for(c.connector)
            if app:
                out.setdefault(app, []).append(c)
        return out


def _tagged(user: User) -> bool:
    return bool({t.lower() for t in user.tags} & {"serviceaccount", "flowconnectionowner"})


def applying(ev: Evaluation) -> dict[str, PolicyResult]:
    """Policies (enforced in this variant) that apply and are not satisfied by the claims."""
    return {
        r.policy.id: r
        for r in ev.results
        if r.applies
        and r.policy.state == PolicyState.ENABLED
        and r.grant.result in ("notSatisfied", "blocked", "undetermined")
    }


def applies(ev: Evaluation, policy_id: str) -> bool:
    return any(r.applies and r.policy.id == policy_id for r in ev.results)


def policy_evidence(p: Policy, *path: str | int, note: str = "") -> Evidence:
    """File + JSON Pointer of a field of ``p`` (pointer relative to the object in its file)."""
    base = "" if p.source_path in ("", "/") else p.source_path
    return Evidence(
        p.source or "<inline>", base + (json_pointer(path) if path else "") or "/", note
    )


def policy_finding(
    rule_id: str,
    p: Policy,
    severity: Severity,
    message: str,
    *,
    evidence: tuple[Evidence, ...] = (),
    flows: Iterable[str] = (),
    connections: Iterable[str] = (),
    users: Iterable[str] = (),
    apps: Iterable[str] = (),
    error_code: str | None = None,
) -> Finding:
    """A FAIL about policy ``p``; ``message`` starts with ``policy <label>``.

    A report-only policy is never enforced: its finding reads "would break when enabled" and is
    one severity lower (docs/rules.md introduction).
    """
    return Finding(
        rule_id,
        Status.FAIL,
        severity.lowered() if p.report_only else severity,
        ("would break when enabled: " if p.report_only else "") + message,
        evidence=evidence,
        policies=(p.id,),
        flows=tuple(flows),
        connections=tuple(connections),
        users=tuple(users),
        apps=tuple(apps),
        report_only=p.report_only,
        error_code=error_code,
    )


def policy_undetermined(
    rule_id: str,
    p: Policy,
    severity: Severity,
    message: str,
    reason: str,
    evidence: tuple[Evidence, ...] = (),
) -> Finding:
    """UNDETERMINED about policy ``p``: kept with its reason, never dropped (checkov's UNKNOWN)."""
    return Finding(
        rule_id,
        Status.UNDETERMINED,
        severity,
        message,
        evidence=evidence or (policy_evidence(p),),
        policies=(p.id,),
        reason=reason or "notEnoughInformation",
        report_only=p.report_only,
    )


def setting_evidence(tenant: Tenant, *path: str | int, note: str = "") -> Evidence:
    """tenant.yaml's ``settings`` at ``path``, or the export object the setting was read from
    (a token lifetime policy's definition string: the key inside it goes into the note)."""
    origin = tenant.setting_sources.get(str(path[0])) if path else None
    if origin is not None:
        inner = "/".join(str(p) for p in path[1:])
        return Evidence(
            origin[0], origin[1], f"{inner}: {note}" if inner and note else inner or note
        )
    src = tenant.source or "."
    return Evidence(f"{src.rstrip('/')}/tenant.yaml", json_pointer(("settings", *path)), note)


def _shared_policies(ctx: Context, like: Context | None) -> tuple[int | None, ...] | None:
    """For each policy of ``ctx.tenant``: the index of the same policy object in ``like``'s
    tenant, or None; None overall unless the two tenants differ in policies only (the same
    locations, directory, settings ... objects: check's overlay of policy files) at one moment.
    The report-only variant switches the same policies on in both, so the indexes carry over."""
    if like is None or like.reference or like.now != ctx.now:
        return None
    a, b = ctx.tenant, like.tenant
    if any(getattr(a, f.name) is not getattr(b, f.name) for f in fields(a) if f.name != "policies"):
        return None
    index = {id(p): j for j, p in enumerate(b.policies)}
    return tuple(index.get(id(p)) for p in a.policies)


def _first_host(cidr: str) -> str:
    net = ipaddress.ip_network(cidr.strip(), strict=False)
    if net.num_addresses == 1:
        return str(net.network_address)
    return str(next(iter(net.hosts()), net.network_address))


def representative_users(tenant: Tenant) -> tuple[User, ...]:
    """Directory users when the bundle has them; otherwise one in-scope user per policy.

    Policy corpora ship no ``directory.yaml``; a synthetic user who is a member of a policy's
    included groups and roles (and nothing it excludes) is what makes its scope observable.
    """
    users = tuple(u for u in tenant.directory.users if u.account_enabled and not u.unknown)
    if users:
        return users
    out: dict[tuple[object, ...], User] = {}
    for p in tenant.policies:
        u = p.conditions.users
        specific = [x for x in u.include_users if x not in ("All", "None", "GuestsOrExternalUsers")]
        guest = bool(u.include_guests) or "GuestsOrExternalUsers" in u.include_users
        key = (
            tuple(specific[:1]),
            tuple(sorted(u.include_groups)),
            tuple(sorted(u.include_roles)),
            guest,
        )
        if key in out:
            continue
        uid = specific[0] if specific else f"representative-{len(out) + 1:03d}"
        out[key] = User(
            id=uid,
            user_principal_name=f"{uid}@representative.invalid",
            display_name=f"users in scope of policy '{p.display_name}'",
            user_type="Guest" if guest and not (u.include_groups or u.include_roles) else "Member",
            guest_type="b2bCollaborationGuest"
            if guest and not (u.include_groups or u.include_roles)
            else None,
            group_ids=frozenset(u.include_groups),
            role_ids=frozenset(u.include_roles),
        )
    plain = User(
        id="representative-member",
        user_principal_name="member@representative.invalid",
        display_name="any member user",
    )
    return (plain, *out.values())
