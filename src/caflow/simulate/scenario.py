"""Scenario files (DESIGN.md "Scenario file"): parsed and fully validated before anything is
simulated, so a typo never leaves a half-run timeline. Errors name the scenario file and the
JSON path of the offending event (``/events/3/createConnection/user``)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from caflow.errors import SchemaError, UnknownReferenceError
from caflow.io.decode import load_document
from caflow.io.fields import Reader
from caflow.io.normalize import normalize_keys
from caflow.io.policies import parse_policy
from caflow.io.powerplatform import parse_flow
from caflow.model.directory import User
from caflow.model.powerplatform import Connection, Flow
from caflow.model.tenant import Tenant
from caflow.model.wellknown import FLOW_SERVICE, app_id_for

__all__ = ["ACTIONS", "Action", "Scenario", "SignInSpec", "load_scenario", "parse_scenario"]

#: Every action a scenario event may carry (DESIGN.md), with its required fields.
ACTIONS: Mapping[str, tuple[str, ...]] = {
    "signIn": ("user",),
    "createConnection": ("id", "user", "connector"),
    "addPolicy": (),
    "updatePolicy": ("id", "set"),
    "removePolicy": ("id",),
    "setRememberMfa": (),
    "setTokenLifetimePolicy": (),
    "addAgreement": ("id",),
    "acceptAgreement": ("user", "agreement"),
    "runFlow": ("flow",),
    "openEmbedded": ("user", "host", "flow"),
    "usePicker": ("user",),
    "shareFlowWithList": ("flow", "list"),
    "createSharePointFlow": ("user", "template"),
    "repairConnection": ("id",),
    "resetPassword": ("user",),
    "disableUser": ("user",),
    "revokeSessions": ("user",),
    "idle": (),
}

_HOSTS = ("sharepoint", "teams", "excel", "powerapps")
_VIA = ("portal", "template", "powerapps", "flow")
_TEMPLATES = ("requestSignoff", "pageApproval")
_PICKERS = ("share", "email", "runInput")


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
    #: Tenant versions after each policy/settings action, in order (validated up front).
    tenant_versions: tuple[Tenant, ...] = ()


def load_scenario(path: str | Path) -> Scenario:
    """Load ``path`` (JSON/YAML) and its tenant bundle; raises caflow.errors on bad input."""
    from caflow.engine.evaluate import validate_tenant
    from caflow.io.bundle import load_bundle

    p = Path(path)
    doc = load_document(p)
    r = Reader(str(p))
    root = r.obj(doc, (), optional=False)
    tref = root.get("tenant")
    if not isinstance(tref, str):
        raise r.error(
            ("tenant",), "wrong type", "a path to a tenant bundle (relative to the scenario)", tref
        )
    bundle = (p.parent / tref).resolve()
    if not bundle.exists():
        raise UnknownReferenceError(
            "tenant bundle not found", file=str(p), path=("tenant",), got=tref
        )
    tenant = load_bundle(bundle)
    validate_tenant(tenant)
    return parse_scenario(root, str(p), tenant, base_dir=p.parent)


def _user(r: Reader, tenant: Tenant, value: Any, path: tuple[str | int, ...]) -> User:
    ref = r.string(value, path, optional=False) or ""
    user = tenant.directory.user(ref)
    if user is None:
        raise UnknownReferenceError(
            "unknown user",
            file=r.file,
            path=(*r.base, *path),
            expected="a user of directory.yaml (id or UPN)",
            got=ref,
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
        raise UnknownReferenceError(
            "unknown device",
            file=r.file,
            path=(*r.base, *path),
            expected="a device of directory.yaml (id or name)",
            got=ref,
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
                got=app_ref,
            )
    device = _device(r, tenant, o.get("device"), (*path, "device"))
    mfa = r.boolean(o.get("mfa"), (*path, "mfa"))
    return SignInSpec(
        user=u,
        app_id=app,
        mfa=mfa,
        ip=r.string(o.get("ip"), (*path, "ip")),
        country=r.string(o.get("country"), (*path, "country")),
        device=device,
        platform=r.string(o.get("platform"), (*path, "platform")) or _platform(device) or "windows",
        client_app=r.string(o.get("clientApp"), (*path, "clientApp")) or "browser",
        auth_methods=frozenset(r.strings(o.get("authMethods"), (*path, "authMethods")))
        or (frozenset(tenant.settings.defaultMfaMethods) if mfa else frozenset({"password"})),
        accept_terms=r.boolean(o.get("acceptTerms"), (*path, "acceptTerms"), default=True),
    )


def deep_merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_scenario(
    root: Mapping[str, Any], file: str, tenant: Tenant, *, base_dir: Path | None = None
) -> Scenario:
    """Validate a scenario document against ``tenant``; nothing is simulated here."""
    r = Reader(file)
    start = r.moment(root.get("start"), ("start",), optional=False)
    end = r.moment(root.get("end"), ("end",), optional=False)
    assert start is not None and end is not None
    if end < start:
        raise r.error(("end",), "invalid value", "an end at or after start", root.get("end"))
    connections = {c.name.lower(): c for c in tenant.connections}
    created: set[str] = set(connections)
    # Connections created by events count for flow references (flows may precede them).
    events = root.get("events") or []
    if not isinstance(events, list):
        raise r.error(("events",), "wrong type", "a list of events", events)
    future_ids = {
        str(e["createConnection"].get("id")).lower()
        for e in events
        if isinstance(e, dict)
        and isinstance(e.get("createConnection"), dict)
        and e["createConnection"].get("id")
    }
    known_flows = {f.name.lower(): f for f in tenant.flows}
    flows: list[Flow] = []
    raw_flows = root.get("flows") or []
    if not isinstance(raw_flows, list):
        raise r.error(("flows",), "wrong type", "a list of flows", raw_flows)
    for i, fobj in enumerate(raw_flows):
        fr = Reader(file, ("flows", i))
        fo = fr.obj(fobj, (), optional=False)
        owner = fo.get("owner")
        if owner is not None:
            _user(fr, tenant, owner, ("owner",))

        def resolve(ref: str) -> str:
            u = tenant.directory.user(ref)
            return u.id if u else ref

        flow = parse_flow(fo, file, ("flows", i), resolve, connections)
        for j, ref in enumerate(flow.connections):
            if ref.connection.lower() not in created | future_ids:
                raise UnknownReferenceError(
                    "unknown connection",
                    file=file,
                    path=("flows", i, "connections", j),
                    expected="a connection of the bundle or created by an event",
                    got=ref.connection,
                )
        # Connector of a scenario-created connection is known only from its createConnection.
        flows.append(flow)
        known_flows[flow.name.lower()] = flow
    actions: list[Action] = []
    versions: list[Tenant] = []
    policy_ids = {p.id.lower() for p in tenant.policies}
    agreement_ids = set(tenant.agreements)
    signed_in: set[str] = set()
    last: datetime = start
    current = tenant
    for i, ev in enumerate(events):
        er = Reader(file, ("events", i))
        eo = er.obj(ev, (), optional=False)
        at = er.moment(eo.get("at"), ("at",), optional=False)
        assert at is not None
        if at < last:
            raise SchemaError(
                "event out of order",
                file=file,
                path=("events", i, "at"),
                expected=f"a time at or after {last.isoformat()}",
                got=eo.get("at"),
                code="event-out-of-order",
            )
        if at > end:
            raise SchemaError(
                "event after the scenario end",
                file=file,
                path=("events", i, "at"),
                expected=f"a time at or before {end.isoformat()}",
                got=eo.get("at"),
                code="event-out-of-order",
            )
        last = at
        keys = [k for k in eo if k != "at"]
        if len(keys) != 1 or keys[0] not in ACTIONS:
            bad = next((k for k in keys if k not in ACTIONS), keys[0] if keys else None)
            raise SchemaError(
                "unknown action",
                file=file,
                path=("events", i, bad) if bad else ("events", i),
                expected="exactly one of " + ", ".join(ACTIONS),
                got=bad,
                code="unknown-action",
            )
        kind = keys[0]
        base = ("events", i, kind)
        body = er.obj(eo[kind], (kind,)) if eo[kind] is not None else {}
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

        if kind == "signIn":
            spec = parse_signin(ar, tenant, body, ())
            a = {"signIn": spec}
            signed_in.add(spec.user.id)
        elif kind == "createConnection":
            u = user_at("user")
            a["user"] = u
            via = str(body.get("via") or "portal")
            if via not in _VIA:
                raise ar.error(("via",), "invalid value", "one of " + ", ".join(_VIA), via)
            a["via"] = via
            a["connector"] = str(body["connector"]).lower()
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
            created.add(str(body["id"]).lower())
        elif kind in ("addPolicy", "updatePolicy", "removePolicy"):
            current = _policy_action(ar, kind, body, current, policy_ids, base_dir)
            a = {"tenant": current}
            versions.append(current)
        elif kind == "setRememberMfa":
            rm = current.settings.rememberMfa.model_copy(
                update={k: v for k, v in body.items() if k in ("enabled", "days")}
            )
            current = current.evolve(
                settings=current.settings.model_copy(update={"rememberMfa": rm})
            )
            a = {"tenant": current}
            versions.append(current)
        elif kind == "setTokenLifetimePolicy":
            s = current.settings
            update: dict[str, Any] = {}
            if "legacyTokenLifetimes" in body:
                update["legacyTokenLifetimes"] = ar.boolean(
                    body["legacyTokenLifetimes"], ("legacyTokenLifetimes",)
                )
            fields = {k: str(v) for k, v in body.items() if k.startswith("Max")}
            if fields:
                update["tokenLifetimePolicy"] = s.tokenLifetimePolicy.model_copy(update=fields)
            current = current.evolve(settings=s.model_copy(update=update))
            a = {"tenant": current}
            versions.append(current)
        elif kind == "addAgreement":
            from caflow.io.bundle import parse_agreement

            ag = parse_agreement(ar, normalize_keys(dict(body)))
            agreements = dict(current.agreements)
            agreements[ag.id.lower()] = ag
            agreement_ids.add(ag.id.lower())
            current = current.evolve(agreements=agreements)
            a = {"tenant": current}
            versions.append(current)
        elif kind == "acceptAgreement":
            a["user"] = user_at("user")
            aid = str(body["agreement"]).lower()
            if aid not in agreement_ids:
                raise UnknownReferenceError(
                    "unknown agreement",
                    file=file,
                    path=(*base, "agreement"),
                    expected="an agreement id",
                    got=body["agreement"],
                )
            a["agreement"] = current.agreements[aid].id
            a["device"] = _device(ar, tenant, body.get("device"), ("device",))
        elif kind in ("runFlow", "openEmbedded", "shareFlowWithList"):
            fref = str(body["flow"]).lower()
            if fref not in known_flows and not any(
                f.display_name.lower() == fref for f in known_flows.values()
            ):
                raise UnknownReferenceError(
                    "unknown flow",
                    file=file,
                    path=(*base, "flow"),
                    expected="a flow of the bundle or the scenario",
                    got=body["flow"],
                )
            a["flow"] = known_flows.get(fref) or next(
                f for f in known_flows.values() if f.display_name.lower() == fref
            )
            if kind == "runFlow" and body.get("invoker") is not None:
                a["invoker"] = user_at("invoker")
            if kind == "openEmbedded":
                a["user"] = user_at("user")
                if str(body["host"]).lower() not in _HOSTS:
                    raise ar.error(
                        ("host",), "invalid value", "one of " + ", ".join(_HOSTS), body["host"]
                    )
                a["host"] = str(body["host"]).lower()
                _need_session(a["user"], signed_in, file, (*base, "user"), body["user"])
        elif kind == "usePicker":
            a["user"] = user_at("user")
            kind_ = str(body.get("kind") or "share")
            if kind_ not in _PICKERS:
                raise ar.error(("kind",), "invalid value", "one of " + ", ".join(_PICKERS), kind_)
            a["kind"] = kind_
            _need_session(a["user"], signed_in, file, (*base, "user"), body["user"])
        elif kind == "createSharePointFlow":
            a["user"] = user_at("user")
            if body["template"] not in _TEMPLATES:
                raise ar.error(
                    ("template",),
                    "invalid value",
                    "one of " + ", ".join(_TEMPLATES),
                    body["template"],
                )
            _need_session(a["user"], signed_in, file, (*base, "user"), body["user"])
        elif kind == "repairConnection":
            cid = str(body["id"]).lower()
            if cid not in created:
                raise UnknownReferenceError(
                    "unknown connection",
                    file=file,
                    path=(*base, "id"),
                    expected="a connection created earlier",
                    got=body["id"],
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
        tuple(versions),
    )


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
        if isinstance(e, dict) and isinstance(e.get("createConnection"), dict):
            c = e["createConnection"]
            if str(c.get("id")).lower() == cid:
                return tenant.directory.user(str(c.get("user")))
    return None


def _policy_action(
    r: Reader,
    kind: str,
    body: Mapping[str, Any],
    current: Tenant,
    ids: set[str],
    base_dir: Path | None,
) -> Tenant:
    if kind == "removePolicy":
        pid = str(body["id"]).lower()
        if pid not in ids:
            raise UnknownReferenceError(
                "unknown policy",
                file=r.file,
                path=(*r.base, "id"),
                expected="a policy id",
                got=body["id"],
            )
        ids.discard(pid)
        return current.with_policies(tuple(p for p in current.policies if p.id.lower() != pid))
    if kind == "updatePolicy":
        pid = str(body["id"]).lower()
        if pid not in ids:
            raise UnknownReferenceError(
                "unknown policy",
                file=r.file,
                path=(*r.base, "id"),
                expected="a policy id",
                got=body["id"],
            )
        old = next(p for p in current.policies if p.id.lower() == pid)
        changes = r.obj(body["set"], ("set",), optional=False)
        merged = deep_merge(dict(old.raw), normalize_keys(dict(changes)))
        new = parse_policy(merged, r.file, (*r.base, "set"))
        return current.with_policies(
            tuple(new if p.id.lower() == pid else p for p in current.policies)
        )
    # addPolicy: {file: ...} or an inline policy (either under "policy" or the body itself).
    if body.get("file") is not None:
        ref = Path(str(body["file"]))
        path = (base_dir / ref) if base_dir is not None and not ref.is_absolute() else ref
        if not path.exists():
            raise UnknownReferenceError(
                "policy file not found", file=r.file, path=(*r.base, "file"), got=str(body["file"])
            )
        obj, file, where = load_document(path), str(path), ()
    else:
        obj = body.get("policy", body)
        file, where = r.file, (*r.base, "policy") if "policy" in body else r.base
    pol = parse_policy(normalize_keys(obj), file, where)
    if pol.id.lower() in ids:
        raise SchemaError(
            "duplicate policy id", file=r.file, path=where, expected="a new policy id", got=pol.id
        )
    ids.add(pol.id.lower())
    return current.with_policies((*current.policies, pol))
