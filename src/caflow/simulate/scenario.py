"""Scenario files (docs/scenario-format.md): parsed and fully validated before anything is
simulated, so a typo never leaves a half-run timeline. Errors name the scenario file and the
JSON path of the offending event (``/events/3/createConnection/user``)."""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from caflow.automation.connectors import KNOWN_CONNECTORS, suggest_connector
from caflow.errors import (
    InputError,
    SchemaError,
    UnknownReferenceError,
    UnsafePathError,
    did_you_mean_hint,
    json_pointer,
    shown_name,
)
from caflow.io.decode import load_document
from caflow.io.fields import Reader
from caflow.io.normalize import normalize_keys
from caflow.io.policies import parse_policy
from caflow.io.powerplatform import parse_flow
from caflow.model.directory import User
from caflow.model.policy import Policy
from caflow.model.powerplatform import Connection, Flow
from caflow.model.signals import canonical_signal
from caflow.model.strict import key_spellings, read_model, written_key
from caflow.model.tenant import Tenant
from caflow.model.wellknown import FLOW_SERVICE, app_id_for
from caflow.simulate.scenario_format import ACTION_MODELS, Event, ScenarioFile

__all__ = ["ACTIONS", "Action", "Scenario", "SignInSpec", "load_scenario", "parse_scenario"]

#: Every action a scenario event may carry (docs/scenario-format.md), with its required fields,
#: as the body models declare them (a ``signIn`` event names its user; a nested one may not).
ACTIONS: Mapping[str, tuple[str, ...]] = {
    kind: ("user",)
    if kind == "signIn"
    else tuple(name for name, f in model.model_fields.items() if f.is_required())
    for kind, model in ACTION_MODELS.items()
}


@dataclass(frozen=True)
class SignInSpec:
    """An interactive sign-in as written in a scenario (resolved references)."""

    user: User
    app_id: str = FLOW_SERVICE
    mfa: bool = False
    ip: str | None = None
    country: str | None = None
    device: Mapping[str, Any] | None = None  # None = unregistered/unmanaged
    platform: str | None = None
    client_app: str = "browser"
    auth_methods: frozenset[str] = frozenset()
    accept_terms: bool = True


@dataclass(frozen=True)
class Action:
    index: int
    at: datetime
    kind: str
    args: Mapping[str, Any]
    path: str  # JSON pointer of the event, e.g. /events/3


@dataclass(frozen=True)
class Scenario:
    file: str
    tenant: Tenant
    start: datetime
    end: datetime
    flows: tuple[Flow, ...] = ()
    connections: tuple[Connection, ...] = ()
    actions: tuple[Action, ...] = field(default_factory=tuple)


def _connector(ar: Reader, value: object) -> str:
    """A scenario's connector short name; one caflow does not know is a typo (docs/scenario-format.md
    "References inside a scenario": exit 2), with the closest known name."""
    name = (ar.string(value, ("connector",), optional=False) or "").strip().lower()
    if name.startswith("shared_"):
        name = name[len("shared_") :]
    if name not in KNOWN_CONNECTORS:
        hint = suggest_connector(name)
        raise UnknownReferenceError(
            "unknown connector",
            file=ar.file,
            path=(*ar.base, "connector"),
            expected="a connector short name such as sharepointonline, office365, teams, rss",
            got=shown_name(value),
            hint=f"did you mean '{hint}'?" if hint else None,
        )
    return name


@dataclass(frozen=True)
class Confinement:
    """Folders every path a scenario names must resolve into (``caflow serve``: the served
    folder and the packaged examples), checked where the loader opens it, whatever the key's
    spelling (``tenant``/``Tenant``, ``file``/``File``), after ``..`` and symlinks are resolved
    (a scenario must not read a file the page itself may not; issue 12)."""

    roots: tuple[Path, ...]
    #: What an allowed path is, for the message (e.g. "a path inside the served folder").
    expected: str

    def check(self, r: Reader, candidate: Path, path: tuple[str | int, ...], ref: str) -> Path:
        """``candidate`` as its real path when inside a root; outside is UnsafePathError naming
        the file, the key path and the path as written (never the roots themselves)."""
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            raise UnknownReferenceError(
                "cannot resolve the path", file=r.file, path=path, got=ref
            ) from None
        if not any(real.is_relative_to(root) for root in self.roots):
            raise UnsafePathError(
                "path outside the served folder",
                file=r.file,
                path=path,
                expected=self.expected,
                got=ref,
            )
        return real


def load_scenario(
    path: str | Path, *, base_dir: Path | None = None, confine_to: Confinement | None = None
) -> Scenario:
    """Load ``path`` (JSON/YAML) and its tenant (a bundle path relative to the scenario, or an
    inline bundle mapping); raises caflow.errors on bad input. ``base_dir``: what relative
    paths are relative to when the file has no folder of its own (a scenario uploaded to
    ``caflow serve``: its served folder); default the scenario's folder. ``confine_to``: every
    path the scenario names (tenant, addPolicy files) must lie inside it."""
    p = Path(path)
    base = base_dir if base_dir is not None else p.parent
    doc = load_document(p)
    r = Reader(str(p))
    root = r.obj(doc, (), optional=False)
    _head(root, r.file)  # keys, types and flows before the tenant is loaded
    key = written_key(root, "tenant", file=r.file)
    tenant = _scenario_tenant(r, root.get(key), base, key, confine_to)
    return parse_scenario(root, str(p), tenant, base_dir=base, confine_to=confine_to)


def _head(root: Mapping[str, Any], file: str) -> ScenarioFile:
    """Everything but the events, read through :class:`ScenarioFile` (events are read one by
    one in timeline order by :func:`parse_scenario`)."""
    events = written_key(root, "events", file=file)
    return read_model(ScenarioFile, {k: v for k, v in root.items() if k != events}, file=file)


def _scenario_tenant(
    r: Reader,
    ref: Any,
    base_dir: Path,
    key: str = "tenant",
    confine_to: Confinement | None = None,
) -> Tenant:
    """docs/scenario-format.md: ``tenant:`` (``key`` as written) is a path relative to the
    scenario file, or an inline bundle mapping (:mod:`caflow.simulate.inline_tenant`)."""
    from caflow.engine.unparsable import quarantine_unparsable
    from caflow.io.bundle import load_bundle

    if isinstance(ref, Mapping):
        from caflow.simulate.inline_tenant import load_inline_tenant

        return load_inline_tenant(r.file, ref, key)
    if not isinstance(ref, str):
        raise r.error(
            (key,),
            "wrong type",
            "a path to a tenant bundle (relative to the scenario) or an inline bundle mapping",
            ref,
        )
    bundle = (base_dir / ref).resolve()
    if confine_to is not None:
        bundle = confine_to.check(r, base_dir / ref, (key,), ref)
    if not bundle.exists():
        raise UnknownReferenceError("tenant bundle not found", file=r.file, path=(key,), got=ref)
    # An exported bundle: Entra validated its policies, so a filter rule caflow cannot parse
    # makes that policy undetermined with a warning, as for whatif/check/advise (issue 13).
    return quarantine_unparsable(load_bundle(bundle))


def _user(r: Reader, tenant: Tenant, value: Any, path: tuple[str | int, ...]) -> User:
    ref = r.string(value, path, optional=False) or ""
    user = tenant.directory.user(ref)
    if user is None:
        raise _unknown(
            r.file,
            (*r.base, *path),
            "user",
            "a user of directory.yaml (id or UPN)",
            ref,
            tenant.directory.user_names(),
        )
    return user


def _device(
    r: Reader, tenant: Tenant, value: Any, path: tuple[str | int, ...]
) -> Mapping[str, Any] | None:
    if value is None:
        return None
    ref = r.string(value, path) or ""
    if ref.lower() in ("unregistered", "unmanaged", "none"):
        return None
    device = tenant.directory.device(ref)
    if device is None:
        where = (*r.base, *path)
        raise _unknown(
            r.file,
            where,
            "device",
            "a device of directory.yaml (id or name)",
            ref,
            tenant.directory.device_names(),
        )
    return dict(device.properties)


def _platform(device: Mapping[str, Any] | None) -> str | None:
    if not device:
        return None
    os_name = str(device.get("operatingSystem") or "").lower()
    return {
        "windows": "windows",
        "ios": "iOS",
        "android": "android",
        "macos": "macOS",
        "linux": "linux",
    }.get(os_name, "unknown")


def parse_signin(
    r: Reader, tenant: Tenant, obj: Any, path: tuple[str | int, ...], user: User | None = None
) -> SignInSpec:
    o = r.obj(obj, path, optional=False)
    u = (
        user
        if user is not None and "user" not in o
        else _user(r, tenant, o.get("user"), (*path, "user"))
    )
    app_ref = r.string(o.get("app"), (*path, "app"))
    app = FLOW_SERVICE
    if app_ref:
        app = app_id_for(app_ref) or (
            app_ref if tenant.directory.service_principal(app_ref) else ""
        )
        if not app:
            raise UnknownReferenceError(
                "unknown app",
                file=r.file,
                path=(*r.base, *path, "app"),
                expected="an app id or well-known app name",
                got=shown_name(app_ref),
            )
    device = _device(r, tenant, o.get("device"), (*path, "device"))
    mfa = r.boolean(o.get("mfa"), (*path, "mfa"))
    return SignInSpec(
        user=u,
        app_id=app,
        mfa=mfa,
        ip=_ip(r, o.get("ip"), (*path, "ip")),
        country=r.string(o.get("country"), (*path, "country")),
        device=device,
        # A sign-in without platform is a Windows browser (docs/assumptions.md A-SIM-12).
        platform=_signal(r, "devicePlatform", o.get("platform"), (*path, "platform"))
        or _platform(device)
        or "windows",
        client_app=_signal(r, "clientAppType", o.get("clientApp"), (*path, "clientApp"))
        or "browser",
        auth_methods=frozenset(
            _signal(r, "authenticationMethod", m, (*path, "authMethods", i)) or m
            for i, m in enumerate(r.strings(o.get("authMethods"), (*path, "authMethods")))
        )
        or (frozenset(tenant.settings.defaultMfaMethods) if mfa else frozenset({"password"})),
        accept_terms=r.boolean(o.get("acceptTerms"), (*path, "acceptTerms"), default=True),
    )


def _ip(r: Reader, value: Any, path: tuple[str | int, ...]) -> str | None:
    text = r.string(value, path)
    if text is None:
        return None
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        raise r.error(path, "invalid value", "an IPv4 or IPv6 address", text) from None
    return text.strip()


def _signal(r: Reader, kind: str, value: Any, path: tuple[str | int, ...]) -> str | None:
    """A sign-in value from its closed set (platform, client app type: What If CA-4.2;
    authentication method: Graph authenticationMethodModes), else exit 2."""
    text = r.string(value, path)
    if text is None:
        return None
    try:
        return canonical_signal(kind, text, source=r.file)
    except InputError as exc:
        error = r.error(path, "invalid value", exc.expected or "a known value", text)
        error.hint = exc.hint  # the did-you-mean
        raise error from None


def deep_merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _unknown(
    file: str,
    path: tuple[str | int, ...],
    what: str,
    expected: str,
    got: Any,
    names: Iterable[str] = (),
) -> UnknownReferenceError:
    """A reference the scenario author wrote that resolves to nothing: bad input (docs/scenario-format.md
    "References inside a scenario ... An unknown reference is a bad input (exit 2)"), with the
    closest of ``names`` (what the reference could have been) as a did-you-mean."""
    return UnknownReferenceError(
        f"unknown {what}",
        file=file,
        path=path,
        expected=expected,
        got=shown_name(got),
        hint=did_you_mean_hint(got, names) if isinstance(got, str) else None,
    )


def _duplicate(
    file: str, path: tuple[str | int, ...], what: str, got: Any, other: str
) -> SchemaError:
    """An id the scenario gives a second object (ids match case-insensitively): which object a
    reference means would be a guess (issue 8 "duplicate ids: exit 2 naming both places")."""
    return SchemaError(
        f"duplicate {what} id",
        file=file,
        path=path,
        expected=f"an id no other {what} has",
        got=got,
        hint=f"also {other}",
        code="duplicate",
    )


def _event_time(
    r: Reader, event: Mapping[str, Any], last: datetime, start: datetime, end: datetime
) -> datetime:
    """The event's ``at``: required, not before the previous event, inside [start, end]
    (docs/scenario-format.md; A-SIM-7)."""
    key = written_key(event, "at", file=r.file, path=r.base)
    at = r.moment(event.get(key), (key,), optional=False)
    assert at is not None
    if at < last:
        first = last == start
        raise SchemaError(
            "event before the scenario start" if first else "event out of order",
            file=r.file,
            path=(*r.base, key),
            expected=f"a time at or after {'start ' if first else ''}{last.isoformat()}",
            got=event.get(key),
            code="event-out-of-order",
        )
    if at > end:
        raise SchemaError(
            "event after the scenario end",
            file=r.file,
            path=(*r.base, key),
            expected=f"a time at or before end {end.isoformat()}",
            got=event.get(key),
            code="event-out-of-order",
        )
    return at


#: Every accepted spelling of an action key (camelCase or PascalCase) -> the action.
_ACTION_SPELLINGS = {spelling: action for action in ACTIONS for spelling in key_spellings(action)}


def _action_key(r: Reader, event: Mapping[str, Any]) -> tuple[str, str]:
    """The event's single action, and its key as written (docs/scenario-format.md: "each has
    exactly one action key"; keys camelCase or PascalCase)."""
    keys = [k for k in event if k not in key_spellings("at")]
    expected = "exactly one of " + ", ".join(ACTIONS)
    unknown = next((k for k in keys if k not in _ACTION_SPELLINGS), None)
    if unknown is None and len({_ACTION_SPELLINGS[k] for k in keys}) == 1:
        # One action in two spellings: one meaning (A-IN-DUP) or exit 2.
        keys = [written_key(event, _ACTION_SPELLINGS[keys[0]], file=r.file, path=r.base)]
    if unknown is not None or not keys:
        raise SchemaError(
            "unknown action" if keys else "event without an action",
            file=r.file,
            path=(*r.base, unknown) if unknown is not None else r.base,
            expected=expected,
            got=unknown,
            hint=did_you_mean_hint(str(unknown), ACTIONS) if unknown is not None else None,
            code="unknown-action",
        )
    if len(keys) > 1:
        raise SchemaError(
            "more than one action in one event",
            file=r.file,
            path=(*r.base, keys[1]),
            expected=expected,
            got=keys,
            code="unknown-action",
        )
    return _ACTION_SPELLINGS[keys[0]], keys[0]


#: Actions that change the tenant (policies, settings, agreements): the runner swaps tenants.
_TENANT_ACTIONS = frozenset(
    {
        "addPolicy",
        "updatePolicy",
        "removePolicy",
        "setRememberMfa",
        "setTokenLifetimePolicy",
        "addAgreement",
    }
)


def parse_scenario(
    root: Mapping[str, Any],
    file: str,
    tenant: Tenant,
    *,
    base_dir: Path | None = None,
    confine_to: Confinement | None = None,
) -> Scenario:
    """Validate a scenario document against ``tenant``; nothing is simulated here."""
    r = Reader(file)
    head = _head(root, file)
    start, end = head.start, head.end
    if end < start:
        end_key = written_key(root, "end", file=file)
        raise r.error((end_key,), "invalid value", "an end at or after start", root.get(end_key))
    connections = {c.name.lower(): c for c in tenant.connections}
    created: set[str] = set(connections)
    # Connections created by events count for flow references (flows may precede them).
    events_key = written_key(root, "events", file=file)
    events = root.get(events_key) or []
    if not isinstance(events, list):
        raise r.error((events_key,), "wrong type", "a list of events", events)
    future_ids = {
        str(ident).lower()
        for e in events
        if isinstance(e, dict)
        for body in _spelt(e, "createConnection")
        if isinstance(body, dict)
        for ident in _spelt(body, "id")
        if ident
    }
    known_flows = {f.name.lower(): f for f in tenant.flows}
    flows = _scenario_flows(head, file, tenant, connections, created | future_ids)
    known_flows.update((f.name.lower(), f) for f in flows)
    actions: list[Action] = []
    policy_ids = {p.id.lower() for p in tenant.policies}
    agreement_ids = set(tenant.agreements)
    signed_in: set[str] = set()
    last: datetime = start
    current = tenant
    for i, ev in enumerate(events):
        er = Reader(file, (events_key, i))
        eo = er.obj(ev, (), optional=False)
        at = last = _event_time(er, eo, last, start, end)
        kind, written = _action_key(er, eo)
        base = (events_key, i, written)
        body = _body(er, eo, kind, written)
        for req in ACTIONS[kind]:
            if body.get(req) is None:
                raise SchemaError(
                    "missing field",
                    file=file,
                    path=(*base, req),
                    expected=f"'{req}'",
                    code="missing-field",
                )
        a: dict[str, Any] = dict(body)
        ar = Reader(file, base)

        def user_at(key: str, ar: Reader = ar, body: dict[str, Any] = body) -> User:
            return _user(ar, tenant, body.get(key), (key,))

        if kind in _TENANT_ACTIONS:
            if kind == "addAgreement" and str(body.get("id")).lower() in current.agreements:
                raise _duplicate(
                    file,
                    (*base, "id"),
                    "agreement",
                    body["id"],
                    "an agreement of the bundle or added earlier",
                )
            lookup = _Where(base_dir, confine_to, _spellings_in(eo[written], "file"))
            current = _tenant_action(ar, kind, body, current, policy_ids, lookup)
            agreement_ids.update(current.agreements)
            a = {"tenant": current}
        elif kind == "signIn":
            spec = parse_signin(ar, tenant, body, ())
            a = {"signIn": spec}
            signed_in.add(spec.user.id)
        elif kind == "createConnection":
            u = user_at("user")
            a["user"] = u
            a["via"] = body.get("via") or "portal"
            a["connector"] = _connector(ar, body["connector"])
            if body.get("signIn") is not None:
                a["signIn"] = parse_signin(ar, tenant, body["signIn"], ("signIn",), user=u)
            elif u.id not in signed_in:
                raise SchemaError(
                    "no interactive sign-in before connection creation",
                    file=file,
                    path=(*base, "user"),
                    expected="a signIn event for this user earlier, or an inline signIn",
                    got=body.get("user"),
                )
            created.add(str(body["id"]).lower())  # may re-create one (after a failed creation)
        elif kind == "acceptAgreement":
            a["user"] = user_at("user")
            aid = str(body["agreement"]).lower()
            if aid not in agreement_ids:
                raise _unknown(
                    file, (*base, "agreement"), "agreement", "an agreement id", body["agreement"]
                )
            a["agreement"] = current.agreements[aid].id
            a["device"] = _device(ar, tenant, body.get("device"), ("device",))
        elif kind in ("runFlow", "openEmbedded", "shareFlowWithList"):
            a["flow"] = _flow(file, base, known_flows, body["flow"])
            if kind == "runFlow" and body.get("invoker") is not None:
                a["invoker"] = user_at("invoker")
            if kind == "openEmbedded":
                a["user"] = user_at("user")
                a["host"] = body["host"]
                _need_session(a["user"], signed_in, file, (*base, "user"), body["user"])
        elif kind == "usePicker":
            a["user"] = user_at("user")
            a["kind"] = body.get("kind") or "share"
            _need_session(a["user"], signed_in, file, (*base, "user"), body["user"])
        elif kind == "createSharePointFlow":
            a["user"] = user_at("user")
            _need_session(a["user"], signed_in, file, (*base, "user"), body["user"])
        elif kind == "repairConnection":
            cid = str(body["id"]).lower()
            if cid not in created:
                raise _unknown(
                    file, (*base, "id"), "connection", "a connection created earlier", body["id"]
                )
            if body.get("signIn") is not None:
                a["signIn"] = parse_signin(
                    ar,
                    tenant,
                    body["signIn"],
                    ("signIn",),
                    user=_owner_of(cid, connections, events, tenant),
                )
        elif kind in ("resetPassword", "disableUser", "revokeSessions"):
            a["user"] = user_at("user")
        actions.append(Action(i, at, kind, a, f"/events/{i}"))
    return Scenario(
        file,
        tenant,
        start,
        end,
        tuple(flows),
        tuple(connections.values()),
        tuple(actions),
    )


def _scenario_flows(
    head: ScenarioFile,
    file: str,
    tenant: Tenant,
    connections: Mapping[str, Connection],
    creatable: set[str],
) -> list[Flow]:
    """The scenario's own ``flows:``; every connection they name must exist in the bundle or
    be created by a ``createConnection`` event (docs/scenario-format.md)."""

    def resolve(ref: str) -> str:
        u = tenant.directory.user(ref)
        return u.id if u else ref

    flows: list[Flow] = []
    seen = {f.name.lower(): "a flow of the bundle" for f in tenant.flows}
    for i, model in enumerate(head.flows):
        fr = Reader(file, ("flows", i))
        if model.id.lower() in seen:
            raise _duplicate(file, ("flows", i, "id"), "flow", model.id, seen[model.id.lower()])
        seen[model.id.lower()] = json_pointer(("flows", i, "id"))
        fo = model.model_dump(mode="json", exclude_none=True)
        if model.owner is not None:
            _user(fr, tenant, model.owner, ("owner",))
        flow = parse_flow(fo, file, ("flows", i), resolve, connections)
        for j, ref in enumerate(flow.connections):
            if ref.connection.lower() not in creatable:
                raise _unknown(
                    file,
                    ("flows", i, "connections", j),
                    "connection",
                    "a connection of the bundle or created by an event",
                    ref.connection,
                )
        flows.append(flow)
    return flows


def _spelt(obj: Mapping[str, Any], name: str) -> list[Any]:
    """The values ``obj`` holds under any accepted spelling of ``name`` (a lenient look-ahead;
    the event itself is read strictly later)."""
    return [obj[k] for k in key_spellings(name) if k in obj]


def _body(r: Reader, event: Mapping[str, Any], kind: str, written: str) -> dict[str, Any]:
    """The event's action body (key ``written``) read through its model
    (docs/scenario-format.md): unknown keys, wrong types and unknown values are exit 2 naming
    ``/events/<index>/<action>/...``. An ``addPolicy`` body holding ``conditions`` is itself
    the policy (checked as a policy)."""
    raw = event[written]
    if kind == "addPolicy" and isinstance(raw, Mapping) and _spelt(raw, "conditions"):
        read_model(Event, {**event, written: {}}, file=r.file, path=r.base)
        return dict(raw)
    model = read_model(Event, event, file=r.file, path=r.base)
    body = getattr(model, kind)
    return {} if body is None else body.model_dump(mode="json", exclude_none=True)


def _flow(file: str, base: tuple[str | int, ...], known: Mapping[str, Flow], ref: Any) -> Flow:
    """A flow by id (name) or display name, case-insensitive."""
    key = str(ref).lower()
    found = known.get(key) or next(
        (f for f in known.values() if f.display_name.lower() == key), None
    )
    if found is None:
        raise _unknown(file, (*base, "flow"), "flow", "a flow of the bundle or the scenario", ref)
    return found


def _need_session(
    user: User, signed_in: set[str], file: str, path: tuple[str | int, ...], ref: Any
) -> None:
    if user.id not in signed_in:
        raise SchemaError(
            "no interactive sign-in for this user before the event",
            file=file,
            path=path,
            expected="a signIn event of this user earlier in the scenario",
            got=ref,
        )


def _owner_of(
    cid: str, connections: Mapping[str, Connection], events: list[Any], tenant: Tenant
) -> User | None:
    conn = connections.get(cid)
    if conn is not None and conn.owner_id:
        return tenant.directory.user(conn.owner_id)
    for e in events:
        for c in _spelt(e, "createConnection") if isinstance(e, dict) else ():
            if isinstance(c, dict) and cid in (str(i).lower() for i in _spelt(c, "id")):
                return next((tenant.directory.user(str(u)) for u in _spelt(c, "user")), None)
    return None


_M = TypeVar("_M", bound=BaseModel)


def _checked(
    r: Reader,
    policy: Policy,
    tenant: Tenant,
    written: dict[str, Any] | None = None,
) -> Policy:
    """A policy the user wrote - inline in the scenario or in a policy file ``addPolicy``
    names - is read strictly (docs/scenario-format.md: exit 2 with file, JSON path and a
    did-you-mean): an unknown key or value, a filter rule that does not parse, a reference the
    tenant does not define. ``written``: only these fields are the user's (``updatePolicy``'s
    ``set`` merged into an exported policy); the rest keeps the exported-file treatment."""
    from caflow.engine.unparsable import quarantine_policy, strict_error
    from caflow.io.bundle import bind_written_policy

    error = strict_error(policy)
    if error is not None:
        if written is None or _writes_filter(written):
            raise error
        policy = quarantine_policy(policy)  # the exported policy's own rule: undetermined
    return bind_written_policy(policy, tenant, written)  # unknown keys/values: exit 2 there


def _writes_filter(written: Mapping[str, Any]) -> bool:
    """Does updatePolicy's normalised ``set`` write a device or application filter?"""
    c = written.get("conditions")
    if not isinstance(c, Mapping):
        return False
    devices, apps = c.get("devices"), c.get("applications")
    return (isinstance(devices, Mapping) and "deviceFilter" in devices) or (
        isinstance(apps, Mapping) and "applicationFilter" in apps
    )


def _validated(r: Reader, model: type[_M], data: dict[str, Any]) -> _M:
    """Validate a settings change with the same pydantic model as tenant.yaml (ranges of
    docs/sources.md TS-1.4 and TS-2.3); an invalid value is bad input naming the event's JSON path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SchemaError(
            err["msg"], file=r.file, path=(*r.base, *err["loc"]), code="invalid-value"
        ) from None


def _tenant_action(
    r: Reader,
    kind: str,
    body: Mapping[str, Any],
    current: Tenant,
    policy_ids: set[str],
    where: _Where,
) -> Tenant:
    """The tenant after a policy, settings or agreement action (validated now, applied by the
    runner at the event's time). ``policy_ids`` tracks the ids as the timeline changes them."""
    if kind == "removePolicy":
        pid = _existing_policy(r, body, policy_ids)
        policy_ids.discard(pid)
        return current.with_policies(tuple(p for p in current.policies if p.id.lower() != pid))
    if kind == "updatePolicy":
        pid = _existing_policy(r, body, policy_ids)
        old = next(p for p in current.policies if p.id.lower() == pid)
        changes = r.obj(body["set"], ("set",), optional=False)
        written = normalize_keys(dict(changes), file=r.file, path=(*r.base, "set"))
        merged = deep_merge(dict(old.raw), written)
        new = _checked(r, parse_policy(merged, r.file, (*r.base, "set")), current, written)
        return current.with_policies(
            tuple(new if p.id.lower() == pid else p for p in current.policies)
        )
    if kind == "addPolicy":
        return current.with_policies(
            (*current.policies, _checked(r, _new_policy(r, body, policy_ids, where), current))
        )
    s = current.settings
    if kind == "setRememberMfa":
        rm = _validated(
            r,
            type(s.rememberMfa),
            {
                **s.rememberMfa.model_dump(),
                **{k: v for k, v in body.items() if k in ("enabled", "days")},
            },
        )
        return current.evolve(settings=s.model_copy(update={"rememberMfa": rm}))
    if kind == "setTokenLifetimePolicy":
        update: dict[str, Any] = {}
        if body.get("legacyTokenLifetimes") is not None:
            update["legacyTokenLifetimes"] = body["legacyTokenLifetimes"]
        fields = {k: v for k, v in body.items() if k.startswith("Max")}
        if fields:
            update["tokenLifetimePolicy"] = _validated(
                r, type(s.tokenLifetimePolicy), {**s.tokenLifetimePolicy.model_dump(), **fields}
            )
        return current.evolve(settings=s.model_copy(update=update))
    assert kind == "addAgreement", kind
    from caflow.io.bundle import parse_agreement

    ag = parse_agreement(r, normalize_keys(dict(body), file=r.file, path=r.base))
    return current.evolve(agreements={**current.agreements, ag.id.lower(): ag})


def _existing_policy(r: Reader, body: Mapping[str, Any], ids: set[str]) -> str:
    """The lower-cased id of the policy ``body["id"]`` names; unknown -> bad input."""
    pid = str(body["id"]).lower()
    if pid not in ids:
        raise _unknown(r.file, (*r.base, "id"), "policy", "a policy id", body["id"])
    return pid


@dataclass(frozen=True)
class _Where:
    """Where an addPolicy ``file:`` is looked up: relative to ``base_dir``, inside
    ``confine_to`` when set; ``key`` is the key as written (``file``/``File``) for messages."""

    base_dir: Path | None
    confine_to: Confinement | None
    key: str


def _spellings_in(raw: Any, name: str) -> str:
    """The spelling of ``name`` the body was written with (``name`` if none)."""
    if isinstance(raw, Mapping):
        return next((k for k in key_spellings(name) if k in raw), name)
    return name


def _new_policy(r: Reader, body: Mapping[str, Any], ids: set[str], where_: _Where) -> Policy:
    """addPolicy: ``{file: ...}`` (relative to the scenario) or an inline policy (under
    ``policy`` or the body itself); its id must be new."""
    if body.get("file") is not None:
        written, key_path = str(body["file"]), (*r.base, where_.key)
        ref = Path(written)
        base_dir = where_.base_dir
        path = (base_dir / ref) if base_dir is not None and not ref.is_absolute() else ref
        if where_.confine_to is not None:
            path = where_.confine_to.check(r, path, key_path, written)
        if not path.exists():
            raise UnknownReferenceError(
                "policy file not found", file=r.file, path=key_path, got=written
            )
        where: tuple[str | int, ...] = ()
        obj, file = load_document(path), str(path)
        if not isinstance(obj, dict):
            # A policy file holds one policy object (a list, a number or text is not one).
            found = {list: "a list", str: "text", type(None): "nothing"}.get(type(obj), "a value")
            raise SchemaError(
                f"wrong type: the file holds {found}, not a policy object",
                file=file,
                expected="one Conditional Access policy (a JSON/YAML object)",
            )
    else:
        obj = body.get("policy", body)
        file, where = r.file, (*r.base, "policy") if "policy" in body else r.base
    pol = parse_policy(normalize_keys(obj, file=file, path=where), file, where)
    if pol.id.lower() in ids:
        at = where if file == r.file else (*r.base, where_.key)
        raise SchemaError(
            "duplicate policy id", file=r.file, path=at, expected="a new policy id", got=pol.id
        )
    ids.add(pol.id.lower())
    return pol
