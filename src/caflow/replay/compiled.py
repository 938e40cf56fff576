"""The compiled form of the one Conditional Access evaluator, for whole sign-in logs.

Same evaluator, evaluated once per *distinct* input rather than once per row:

1. record columns are dictionary-encoded (:mod:`caflow.replay.encode`);
2. each ``SignIn`` field is derived once per distinct value of its columns
   (:mod:`caflow.replay.signals`);
3. each engine condition (``engine.conditions.CONDITIONS``, the very functions the one-sign-in
   evaluator calls) runs once per distinct value of the fields it reads, for every policy; its
   outcome vector over the policies (true/false/unknown) is a *pattern*; rows get pattern ids by
   numpy gathers;
4. rows with equal patterns, identity kind and claims form one *signature*; phase 1 (does each
   policy apply, with which analysisReasons) is combined per signature from the patterns, and
   phase 2 (grants, decision, error code) is the engine's own ``evaluate_grant`` once per
   (applying policy, claims) and ``decide`` once per distinct (applying set, claims).

Equality with ``engine.evaluate.evaluate`` row by row is checked by the differential test
(tests/replay/test_differential.py) on every corpus and on generated policy sets and logs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

import numpy as np
import pyarrow as pa

from caflow.engine.conditions import CONDITIONS
from caflow.engine.evaluate import (
    Evaluation,
    PolicyResult,
    applying_result,
    decide,
    evaluate,
    policy_precheck,
)
from caflow.engine.grants import GrantOutcome, evaluate_grant
from caflow.engine.signature import UserSignature
from caflow.engine.signin import SignIn
from caflow.model.directory import User
from caflow.model.policy import Policy
from caflow.model.tenant import Tenant
from caflow.replay.encode import ColumnCodes, Interner
from caflow.replay.signals import CONSTANT_FIELDS, FIELD_COLUMNS, field_note, field_value

__all__ = ["CompiledPolicySet", "SignatureResult"]

#: Fields each condition reads (by ``ConditionCheck.name``); unknown conditions read all.
_COND_FIELDS: dict[str, tuple[str, ...]] = {
    # users with equal engine.signature.UserSignature get equal check_users outcomes
    "/conditions/users": ("user_signature", "service_principal_id"),
    "/conditions/clientApplications": ("service_principal_id",),
    "/conditions/applications": ("app_id",),
    "/conditions/applications/includeUserActions": (),
    "/conditions/applications/includeAuthenticationContextClassReferences": (),
    "/conditions/platforms": ("platform",),
    "/conditions/devices/deviceFilter": ("device",),
    "/conditions/clientAppTypes": ("client_app",),
    "/conditions/locations": ("ip", "country"),
    "/conditions/signInRiskLevels": ("sign_in_risk",),
    "/conditions/userRiskLevels": (),
    "/conditions/servicePrincipalRiskLevels": ("service_principal_id",),
    "/conditions/insiderRiskLevels": (),
    "/conditions/authenticationFlows": ("transfer_method",),
}
#: Fields the grants and the decision read (engine.grants.evaluate_grant, evaluate()).
_CLAIM_FIELDS = ("mfa", "auth_methods", "transfer_method", "client_app")
_TERMS_CLAIMS = 2
_FALSE, _TRUE, _UNKNOWN = 0, 1, 2


@dataclass
class _Field:
    columns: tuple[str, ...]
    ids: Interner
    values: list[Any] = field(default_factory=list)
    notes: list[str | None] = field(default_factory=list)


@dataclass
class _Condition:
    index: int
    fields: tuple[str, ...]
    #: distinct (field ids) -> key id; None when the condition reads one field (key = field id)
    keys: Interner | None
    key_pattern: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: policies with equal ``ConditionCheck.policy_part``: (representative, members)
    groups: list[tuple[Policy, np.ndarray]] = field(default_factory=list)
    pattern_ids: dict[tuple[bytes, tuple[str, ...]], int] = field(default_factory=dict)
    outcomes: list[np.ndarray] = field(default_factory=list)  # pattern -> (P,) uint8
    details: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class SignatureResult:
    """Everything the one-sign-in evaluator says for the rows of one signature."""

    signin: SignIn  # a representative row's sign-in
    reasons: tuple[str, ...]  # analysisReasons per policy
    evaluation: Evaluation  # phase 2 over the applying policies (decision, grants)
    grants: dict[int, PolicyResult]  # policy index -> result of an applying policy

    @property
    def decision(self) -> str:
        return self.evaluation.decision


def _policy_groups(policies: Sequence[Policy], part: Any) -> list[tuple[Policy, np.ndarray]]:
    """Policies grouped by ``part(policy)``, in order of first appearance."""
    groups: dict[Any, list[int]] = {}
    for i, p in enumerate(policies):
        groups.setdefault(part(p), []).append(i)
    return [(policies[m[0]], np.asarray(m, dtype=np.int64)) for m in groups.values()]


class CompiledPolicySet:
    """A tenant's policies compiled for columnar evaluation at ``now``."""

    def __init__(self, tenant: Tenant, now: datetime, *, tou_error_code: str = "AADSTS50158"):
        self.tenant = tenant
        self.now = now
        self.tou_error_code = tou_error_code
        self.policies = tenant.policies
        self.columns: dict[str, ColumnCodes] = {
            c: ColumnCodes() for cols in FIELD_COLUMNS.values() for c in cols
        }
        self.fields = {f: _Field(cols, Interner(len(cols))) for f, cols in FIELD_COLUMNS.items()}
        every = tuple(FIELD_COLUMNS)
        self.conditions = []
        for i, c in enumerate(CONDITIONS):
            reads = _COND_FIELDS.get(c.name, every)
            self.conditions.append(
                _Condition(
                    i,
                    reads,
                    Interner(len(reads)) if len(reads) > 1 else None,
                    groups=_policy_groups(self.policies, c.policy_part),
                )
            )
        self.claim_fields = _CLAIM_FIELDS
        #: Claims derived from a field's value; the last _TERMS_CLAIMS are read by ToU grants only.
        self._derived_claims = (
            ("user", self._user_claim),
            ("device", self._device_claim),
            ("user", self._user_terms),
            ("device", self._device_terms),
        )
        #: ToU acceptances are recorded per user id: then the whole user is a claim.
        self.terms = any(p.grant and p.grant.terms_of_use for p in self.policies)
        self.accepting = {a.user_id.lower() for a in tenant.acceptances}
        self.per_device_terms = any(a.per_device for a in tenant.agreements.values())
        #: derived key name -> (key -> id, field value id -> derived id, derived id -> a value)
        self._derived: dict[str, tuple[dict[Any, int], list[int], list[Any]]] = {}
        self._user_signature = UserSignature.of(self.policies)
        # Per policy: verdict before conditions, for (known user) and (unknown user / workload).
        probes = (
            SignIn(user=User(id="probe", user_principal_name="")),
            SignIn(service_principal_id="probe"),
        )
        self.precheck = [[policy_precheck(p, probe) for p in self.policies] for probe in probes]
        self.unsupported = np.array([bool(p.conditions.unsupported) for p in self.policies])
        #: (condition patterns..., identity kind, claims...) -> signature id
        nclaims = len(self.claim_fields) + len(self._derived_claims)
        self._signatures = Interner(len(self.conditions) + 1 + nclaims)
        self.results = _Results(self)
        ncond = len(self.conditions)
        #: analysisReasons as small codes into reason_vocab: per signature x policy
        self.reason_vocab: list[str] = [c.reason for c in CONDITIONS]
        self._reason_code = {r: i for i, r in enumerate(self.reason_vocab)}
        self._cond_reason = np.arange(ncond, dtype=np.uint8)
        self.NOTSET = self._code("notSet")
        self.UNDETERMINED = self._code("notEnoughInformation")
        self._settled = np.array(
            [[r is not None for r in row] for row in self.precheck], dtype=bool
        )  # (kind, policy)
        self._settled_code = np.array(
            [[self._code(r.reasons) if r is not None else 0 for r in row] for row in self.precheck],
            dtype=np.uint8,
        )
        P = len(self.policies)
        self.reasons = np.zeros((0, P), dtype=np.uint8)  # signature x policy
        self.phase2_of = np.zeros(0, dtype=np.int64)  # signature -> evaluations
        self.applying_set_of = np.zeros(0, dtype=np.int64)  # signature -> applying_sets
        self._reps = np.zeros((0, len(self.fields)), dtype=np.int64)
        self.evaluations: list[Evaluation] = []
        self.applying_sets: list[tuple[int, ...]] = []
        self._applying_ids: dict[bytes, int] = {}
        self.grant_results: list[PolicyResult] = []
        #: (applying set, claims...) -> evaluations index
        self._phase2_keys = Interner(1 + nclaims)
        self._p2_grant_rows: list[np.ndarray] = []  # evaluation -> (P,) grant ids
        self._p2_matrix = np.zeros((0, P), dtype=np.int32)
        #: The distinct results of applying policies (policy, grant outcome) ...
        self.distinct_results: list[PolicyResult] = []
        self._slots: dict[tuple[int, GrantOutcome], int] = {}
        #: ... and per grant_results entry, its index there
        self._result_slots: list[int] = []
        #: (policy index, claims) -> the applying policy's result (distinct_results index)
        self._grants: dict[tuple[Any, ...], int] = {}
        #: (applying results, client app claim) -> engine.evaluate.decide's evaluation
        self._decided: dict[tuple[Any, ...], Evaluation] = {}
        self._client_app_claim = self.claim_fields.index("client_app")
        #: (grant controls, the claims they read) -> engine.grants.evaluate_grant's outcome:
        #: policies with equal grant controls share it
        self._grant_outcomes: dict[tuple[Any, ...], GrantOutcome] = {}
        self._outcomes: list[np.ndarray | None] = [None] * ncond
        self._details: dict[tuple[int, int], str] = {}
        self._constant_patterns: dict[int, int] = {}
        self._kind_user = np.zeros(0, dtype=np.int64)
        self._kind_sp = np.zeros(0, dtype=np.int64)

    # -- encoding --------------------------------------------------------------------------

    def encode(self, batch: pa.RecordBatch | pa.Table) -> dict[str, np.ndarray]:
        """Record columns -> global codes (the part of the work that depends on the format)."""
        return {c: codes.encode(batch.column(c)) for c, codes in self.columns.items()}

    def _field_ids(self, name: str, codes: dict[str, np.ndarray]) -> np.ndarray:
        """Per row, the id of the field's distinct column values; derives each new one once."""
        f = self.fields[name]
        cols = [codes[c] for c in f.columns]
        ids, rows = f.ids.intern(cols, [len(self.columns[c].values) for c in f.columns])
        known = [self.columns[c].values for c in f.columns]
        for new in zip(*(col[rows].tolist() for col in cols), strict=True):
            values = tuple(v[k] for v, k in zip(known, new, strict=True))
            derived = field_value(self.tenant, name, values)
            f.values.append(derived)
            f.notes.append(field_note(name, values, derived))
        return ids

    # -- conditions ------------------------------------------------------------------------

    def _pattern(self, cond: _Condition, key: tuple[int, ...]) -> int:
        values = dict(self._value(f, k) for f, k in zip(cond.fields, key, strict=True))
        s = SignIn(**{**CONSTANT_FIELDS, **values})
        check = CONDITIONS[cond.index].check
        out = np.empty(len(self.policies), dtype=np.uint8)
        details = [""] * len(self.policies)
        for p, members in cond.groups:  # once per distinct part of the policies read
            value, detail = check(p, s, self.tenant)
            out[members] = _TRUE if value is True else (_FALSE if value is False else _UNKNOWN)
            if value is None:
                for i in members.tolist():
                    details[i] = detail
        pkey = (out.tobytes(), tuple(details))
        pid = cond.pattern_ids.get(pkey)
        if pid is None:
            pid = cond.pattern_ids[pkey] = len(cond.outcomes)
            cond.outcomes.append(out)
            cond.details.append(tuple(details))
        return pid

    def _pattern_ids(
        self, cond: _Condition, field_ids: dict[str, np.ndarray], n: int
    ) -> np.ndarray:
        """Per row, the condition's outcome pattern over all policies (numpy gathers; the
        engine's condition runs once per new distinct input)."""
        if not cond.fields:
            pid = self._constant_patterns.get(cond.index)
            if pid is None:
                pid = self._constant_patterns[cond.index] = self._pattern(cond, ())
            return np.full(n, pid, dtype=np.int64)
        if cond.keys is None:
            (name,) = cond.fields
            keys = field_ids[name]
            known = len(self._field_values(name))
            start = len(cond.key_pattern)
            if known > start:
                added = [self._pattern(cond, (k,)) for k in range(start, known)]
                cond.key_pattern = np.concatenate([cond.key_pattern, np.asarray(added, np.int64)])
            return cond.key_pattern[keys]
        keys, _rows = cond.keys.intern(
            [field_ids[f] for f in cond.fields], [len(self._field_values(f)) for f in cond.fields]
        )
        start = len(cond.key_pattern)
        if cond.keys.count > start:
            added = [
                self._pattern(cond, tuple(int(v) for v in row)) for row in cond.keys.tuples[start:]
            ]
            cond.key_pattern = np.concatenate([cond.key_pattern, np.asarray(added, np.int64)])
        return cond.key_pattern[keys]

    def _field_values(self, name: str) -> list[Any]:
        if name == "user_signature":
            return self._derived["user:_user_signature_key"][2]
        return self.fields[name].values

    # -- evaluation ------------------------------------------------------------------------

    def evaluate_codes(self, codes: dict[str, np.ndarray]) -> np.ndarray:
        """Encoded columns -> signature index per row (into :attr:`results`)."""
        n = len(next(iter(codes.values()))) if codes else 0
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        field_ids = {f: self._field_ids(f, codes) for f in self.fields}
        field_ids["user_signature"] = self._derived_ids("user", self._user_signature_key, field_ids)
        patterns = [self._pattern_ids(c, field_ids, n) for c in self.conditions]
        kind = self._identity_kind(field_ids)
        claims = [field_ids[f] for f in self.claim_fields] + [
            self._derived_ids(name, key_of, field_ids) for name, key_of in self._derived_claims
        ]
        bounds = [
            *(len(c.outcomes) for c in self.conditions),
            2,
            *(len(self.fields[f].values) for f in self.claim_fields),
            *(len(self._derived[f"{n}:{k.__name__}"][2]) for n, k in self._derived_claims),
        ]
        sids, rows = self._signatures.intern([*patterns, kind, *claims], bounds)
        if len(rows):
            reps = np.stack([field_ids[f][rows] for f in self.fields], axis=1)
            self._add_signatures(reps)
        return sids

    def evaluate_batch(self, batch: pa.RecordBatch | pa.Table) -> np.ndarray:
        return self.evaluate_codes(self.encode(batch))

    def _derived_ids(self, name: str, key_of: Any, field_ids: dict[str, np.ndarray]) -> np.ndarray:
        """Per row, a small id of what the grants read of field ``name`` (``key_of(value)``),
        kept incrementally as new field values appear."""
        keys, table, reps = self._derived.setdefault(f"{name}:{key_of.__name__}", ({}, [], []))
        values = self.fields[name].values
        for v in values[len(table) :]:
            key = key_of(v)
            did = keys.get(key)
            if did is None:
                did = keys[key] = len(reps)
                reps.append(v)
            table.append(did)
        return np.asarray(table, dtype=np.int64)[field_ids[name]]

    def _user_signature_key(self, u: Any) -> Any:
        return None if u is None else self._user_signature(u)

    def _value(self, f: str, k: int) -> tuple[str, Any]:
        """(SignIn field, value) of id ``k`` of field or derived key ``f``."""
        if f == "user_signature":
            return "user", self._derived["user:_user_signature_key"][2][k]
        return f, self.fields[f].values[k]

    def _user_claim(self, u: Any) -> tuple[Any, ...]:
        """What of the user the grants read: external identity (engine.external: guest type,
        home tenant)."""
        if u is None:
            return (None,)
        return (u.user_type, u.guest_type, u.external_tenant_id, u.unknown)

    def _user_terms(self, u: Any) -> Any:
        """With ToU grants, the user id when the user has recorded acceptances (read by
        ToU grants only)."""
        accepted = u is not None and self.terms and u.id.lower() in self.accepting
        return u.id if accepted else None

    def _device_claim(self, d: Any) -> tuple[Any, ...]:
        """What of the device the grants read: registered, compliant, trust type."""
        if d is None or not isinstance(d, Mapping):
            return (repr(d),)
        return (d.get("isCompliant"), str(d.get("trustType", "")), bool(d.get("deviceId")))

    def _device_terms(self, d: Any) -> Any:
        """The device id for per-device ToU (read by ToU grants only)."""
        if self.per_device_terms and isinstance(d, Mapping):
            return d.get("deviceId")
        return None

    def _identity_kind(self, field_ids: dict[str, np.ndarray]) -> np.ndarray:
        """0 = a known user, 1 = an unknown user or a workload identity (policy_precheck)."""
        users = self.fields["user"].values
        sps = self.fields["service_principal_id"].values
        if len(users) > len(self._kind_user):
            new = [bool(u is not None and u.unknown) for u in users[len(self._kind_user) :]]
            self._kind_user = np.concatenate([self._kind_user, np.asarray(new, np.int64)])
        if len(sps) > len(self._kind_sp):
            new = [bool(v) for v in sps[len(self._kind_sp) :]]
            self._kind_sp = np.concatenate([self._kind_sp, np.asarray(new, np.int64)])
        return self._kind_user[field_ids["user"]] | self._kind_sp[field_ids["service_principal_id"]]

    def _code(self, reason: str) -> int:
        code = self._reason_code.get(reason)
        if code is None:
            code = self._reason_code[reason] = len(self.reason_vocab)
            self.reason_vocab.append(reason)
        return code

    def signin(self, sid: int) -> SignIn:
        """A representative row's sign-in of signature ``sid``."""
        values = {
            f: self.fields[f].values[int(k)]
            for f, k in zip(self.fields, self._reps[sid], strict=True)
        }
        return SignIn(**values, **CONSTANT_FIELDS)

    def _outcome_matrix(self, j: int) -> np.ndarray:
        """(patterns, policies) outcomes of condition ``j``."""
        cond = self.conditions[j]
        m = self._outcomes[j]
        if m is None or len(m) != len(cond.outcomes):
            m = self._outcomes[j] = np.stack(cond.outcomes)
        return m

    def _add_signatures(self, reps: np.ndarray) -> None:
        """Phase 1 for the new signatures at once (numpy over signatures x conditions x
        policies, the rules of engine.evaluate._evaluate_policy), phase 2 once per new
        (applying policies, claims)."""
        start = len(self.reasons)
        keys = self._signatures.tuples[start:]
        ncond = len(self.conditions)
        out = np.stack(
            [self._outcome_matrix(j)[keys[:, j]] for j in range(ncond)], axis=1
        )  # (signatures, conditions, policies)
        is_false = out == _FALSE
        any_false = is_false.any(axis=1)
        first_false = is_false.argmax(axis=1)
        unknown = (out == _UNKNOWN).any(axis=1) | self.unsupported[None, :]
        kind = keys[:, ncond]
        reasons = np.where(
            any_false,
            self._cond_reason[first_false],
            np.where(unknown, self.UNDETERMINED, self.NOTSET),
        ).astype(np.uint8)
        reasons = np.where(self._settled[kind], self._settled_code[kind], reasons)
        self._reps = np.concatenate([self._reps, reps])
        # applying set per signature: rows of (reason == notSet) as packed bytes
        packed = np.packbits(reasons == self.NOTSET, axis=1)
        asets = np.empty(len(keys), dtype=np.int64)
        for j, raw in enumerate(packed.view(f"V{packed.shape[1]}").ravel().tolist()):
            aset = self._applying_ids.get(raw)
            if aset is None:
                aset = self._applying_ids[raw] = len(self.applying_sets)
                self.applying_sets.append(tuple(np.flatnonzero(reasons[j] == self.NOTSET).tolist()))
            asets[j] = aset
        claims = [keys[:, k] for k in range(ncond + 1, keys.shape[1])]
        phase2, new = self._phase2_keys.intern([asets, *claims])
        for pid, row in zip(
            range(len(self.evaluations), self._phase2_keys.count), new.tolist(), strict=True
        ):
            self._evaluate_phase2(
                self.applying_sets[int(asets[row])], tuple(int(c[row]) for c in claims), start + row
            )
            assert len(self.evaluations) == pid + 1
        self.reasons = np.concatenate([self.reasons, reasons])
        self.phase2_of = np.concatenate([self.phase2_of, phase2])
        self.applying_set_of = np.concatenate([self.applying_set_of, asets])

    def _grant_matrix(self) -> np.ndarray:
        """(evaluations, policies): index into :attr:`grant_results`, -1 = not applying."""
        if len(self._p2_grant_rows) != len(self._p2_matrix):
            self._p2_matrix = (
                np.stack(self._p2_grant_rows) if self._p2_grant_rows else self._p2_matrix
            )
        return self._p2_matrix

    @property
    def grant_ids(self) -> np.ndarray:
        """(signatures, policies): index into :attr:`grant_results`, -1 = not applying."""
        return self._grant_matrix()[self.phase2_of]

    @property
    def result_slots(self) -> np.ndarray:
        """Per :attr:`grant_results` entry, its index into :attr:`distinct_results`."""
        return np.asarray(self._result_slots, dtype=np.int64)

    def applying_result(self, sid: int, policy_index: int) -> PolicyResult | None:
        """The result of policy ``policy_index`` for signature ``sid`` when it applies
        (``result(sid).grants.get(policy_index)`` without building the whole result)."""
        g = int(self._grant_matrix()[self.phase2_of[sid], policy_index])
        return self.grant_results[g] if g >= 0 else None

    def _evaluate_phase2(self, applying: tuple[int, ...], claims: tuple[int, ...], sid: int) -> int:
        """engine.grants.evaluate_grant per applying policy and claims, engine.evaluate.decide."""
        signin: SignIn | None = None  # built when the engine needs it
        slots = []
        for i in applying:
            gkey = (i, claims)
            slot = self._grants.get(gkey)
            if slot is None:
                p = self.policies[i]
                read = claims if p.grant and p.grant.terms_of_use else claims[:-_TERMS_CLAIMS]
                okey = (p.grant, read)
                outcome = self._grant_outcomes.get(okey)
                if outcome is None:
                    signin = signin or self.signin(sid)
                    outcome = evaluate_grant(p.grant, signin, self.tenant, self.now)
                    self._grant_outcomes[okey] = outcome
                slot = self._slots.get((i, outcome))
                if slot is None:
                    slot = self._slots[(i, outcome)] = len(self.distinct_results)
                    self.distinct_results.append(applying_result(p, outcome))
                self._grants[gkey] = slot
            slots.append(slot)
        # decide reads of the sign-in only its client app (engine.evaluate._legacy_client):
        # equal applying results and client app give equal evaluations
        dkey = (tuple(slots), claims[self._client_app_claim])
        evaluation = self._decided.get(dkey)
        if evaluation is None:
            results = tuple(self.distinct_results[k] for k in slots)
            evaluation = self._decided[dkey] = decide(
                signin or self.signin(sid), self.now, results, tou_error_code=self.tou_error_code
            )
        row = np.full(len(self.policies), -1, dtype=np.int32)
        row[list(applying)] = np.arange(
            len(self.grant_results), len(self.grant_results) + len(applying), dtype=np.int32
        )
        self.grant_results.extend(evaluation.results)
        self._result_slots.extend(slots)
        self._p2_grant_rows.append(row)
        self.evaluations.append(evaluation)
        return len(self.evaluations) - 1

    def decisions(self) -> list[str]:
        """Decision per signature."""
        return [self.evaluations[int(p)].decision for p in self.phase2_of]

    def evaluation(self, sid: int) -> Evaluation:
        """Phase 2 of signature ``sid`` (``result(sid).evaluation`` without the rest)."""
        return self.evaluations[int(self.phase2_of[sid])]

    def result(self, sid: int) -> SignatureResult:
        evaluation = self.evaluations[int(self.phase2_of[sid])]
        applying = self.applying_sets[int(self.applying_set_of[sid])]
        return SignatureResult(
            self.signin(sid),
            tuple(self.reason_vocab[c] for c in self.reasons[sid].tolist()),
            evaluation,
            dict(zip(applying, evaluation.results, strict=True)),
        )

    def evaluation_codes(self, vocab: dict[str, int], attr: str = "decision") -> np.ndarray:
        """Per signature, ``vocab[evaluation.<attr>]`` (e.g. the decision) as an int array."""
        per_eval = np.array(
            [vocab.setdefault(getattr(e, attr), len(vocab)) for e in self.evaluations],
            dtype=np.int64,
        )
        return per_eval[self.phase2_of] if len(per_eval) else np.zeros(0, np.int64)

    def undetermined_groups(self, weights: np.ndarray) -> list[tuple[int, int, int]]:
        """(policy, representative signature, rows) per group of ``notEnoughInformation``
        cells whose engine explanation is the same: equal policy, identity kind and details of
        the conditions that were unknown for that policy (engine.evaluate._evaluate_policy)."""
        cells = (self.reasons == self.UNDETERMINED) & (weights[:, None] > 0)
        sig, pol = np.nonzero(cells)
        if not len(sig):
            return []
        keys = self._signatures.tuples
        ncond = len(self.conditions)
        cols = [pol, keys[sig, ncond]]
        for j, cond in enumerate(self.conditions):
            vocab: dict[str, int] = {}
            codes = np.array(
                [
                    [
                        vocab.setdefault(d, len(vocab)) if o == _UNKNOWN else -1
                        for d, o in zip(details, outcome.tolist(), strict=True)
                    ]
                    for details, outcome in zip(cond.details, cond.outcomes, strict=True)
                ],
                dtype=np.int64,
            )
            cols.append(codes[keys[sig, j], pol] + 1)
        groups, _rows = Interner(len(cols)).intern(cols)
        total = np.bincount(groups, weights=weights[sig])
        first = np.full(len(total), -1, dtype=np.int64)
        first[groups[::-1]] = np.arange(len(groups) - 1, -1, -1)
        return [(int(pol[r]), int(sig[r]), int(total[g])) for g, r in enumerate(first.tolist())]

    # -- explanations (only for reports: a few per distinct outcome) -----------------------

    def undetermined_detail(self, sid: int, policy_index: int) -> str:
        """The engine's own ``notEnoughInformation`` text for one signature and policy."""
        key = (sid, policy_index)
        detail = self._details.get(key)
        if detail is None:  # a dask worker's later tasks ask again for the same signatures
            single = self.tenant.with_policies((self.policies[policy_index],))
            result = evaluate(single, self.signin(sid), self.now).results[0]
            detail = self._details[key] = result.undetermined_detail
        return detail

    def field_notes(self) -> Iterable[tuple[str, str]]:
        for name, f in self.fields.items():
            for note in f.notes:
                if note:
                    yield name, note


class _Results(Sequence[SignatureResult]):
    """``compiled.results[sid]``: the signature's result, built on demand from the arrays."""

    def __init__(self, compiled: CompiledPolicySet) -> None:
        self._c = compiled

    def __len__(self) -> int:
        return len(self._c.reasons)

    @overload
    def __getitem__(self, i: int) -> SignatureResult: ...
    @overload
    def __getitem__(self, i: slice) -> list[SignatureResult]: ...
    def __getitem__(self, i: int | slice) -> SignatureResult | list[SignatureResult]:
        if isinstance(i, slice):
            return [self._c.result(j) for j in range(len(self))[i]]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self._c.result(i % len(self))
