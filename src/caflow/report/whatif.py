"""Render a what-if :class:`~caflow.engine.evaluate.Evaluation` as a rich table or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from caflow.engine.evaluate import Evaluation
from caflow.errors import enum_token
from caflow.model.policy import PolicyState
from caflow.model.pulled import DECISION_PARTS, PAGED, NotPulled
from caflow.model.wellknown import APPS
from caflow.tokens.failure import Failure
from caflow.tokens.refresh import user_disabled

__all__ = [
    "account_failure",
    "decision_certain",
    "incomplete_parts",
    "render_json",
    "render_rich",
    "uncertainty",
]

_DECISION_STYLE = {"allow": "bold green", "block": "bold red", "requires": "bold yellow"}


def account_failure(ev: Evaluation) -> Failure | None:
    """AADSTS50057 when the signing-in user's account is disabled: no token is issued whatever
    Conditional Access decides (docs/assumptions.md A-TOK-11, the simulator's own rule)."""
    user = ev.signin.user
    return user_disabled(user, (), ev.now) if user is not None else None


def render_json(
    ev: Evaluation,
    explain: str = "off",
    applied_only: bool = False,
    incomplete: Sequence[NotPulled] = (),
) -> str:
    """The whatif JSON contract plus ``certain`` (right after ``decision``): false when an
    enforced policy is undetermined, so ``decision`` (from the determined policies) could change
    - unless the determined policies already block: "If any applicable enabled policy has the
    ``block`` control, enforcement stops and the user is blocked ("block wins")"
    (docs/sources.md CA-2.9), so no undetermined policy can lift
    it (:func:`decision_certain`).

    A disabled account fails before Conditional Access counts (A-TOK-11): ``decision`` is
    ``block`` for sure with AADSTS50057, and ``caDecision`` keeps what the policies alone decide
    (the per-policy evaluation stays, as Graph What If shows it).

    ``incomplete``: export pages whose later pages (policies, or objects policies name) are
    missing (:func:`incomplete_parts`): a policy caflow never saw may apply, so the decision is
    not certain either (listed in ``incomplete[]``), with the same exception for a block."""
    failed = account_failure(ev)
    data: dict[str, Any] = {}
    for key, value in ev.to_json(explain, applied_only).items():
        data[key] = value
        if key == "decision":
            data["certain"] = failed is not None or decision_certain(ev, incomplete)
            if failed is not None:
                data["decision"] = "block"
                data["accountDisabled"] = True
                data["caDecision"] = value
    if failed is not None:
        data["errorCode"], data["cause"] = failed.code, failed.cause
    if incomplete:
        data["incomplete"] = [
            {"part": g.part, "file": g.file, "jsonPath": g.json_path, "reason": g.reason}
            for g in incomplete
        ]
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def decision_certain(ev: Evaluation, incomplete: Sequence[NotPulled] = ()) -> bool:
    """No undetermined enforced policy and no policy page missing (``incomplete``), or a
    determined block (block wins over any grant, so an undetermined or unseen policy can add
    requirements or blocks but never lift a block)."""
    return (
        not (ev.undetermined or ev.unread_policies) and not incomplete
    ) or ev.decision == "block"


def incomplete_parts(gaps: Iterable[NotPulled]) -> tuple[NotPulled, ...]:
    """The gaps that leave every what-if decision open: export pages of policies or of the
    objects policies name whose later pages are missing (model.pulled.DECISION_PARTS)."""
    return tuple(g for g in gaps if g.status == PAGED and g.part in DECISION_PARTS)


def uncertainty(ev: Evaluation) -> str:
    """`` — 17 policies undetermined`` when enforced undetermined policies (or policy files
    caflow did not read) could change the decision, else empty (the headline must not read as
    a plain ALLOW)."""
    n, files = len(ev.undetermined), len(ev.unread_policies)
    parts = [f"{n} {'policy' if n == 1 else 'policies'} undetermined"] if n else []
    if files:
        parts.append(f"{files} policy file(s) not read")
    return f" — {', '.join(parts)}" if parts else ""


def _subject(ev: Evaluation) -> str:
    s = ev.signin
    who = s.user.label() if s.user else f"service principal {s.service_principal_id}"
    what = s.user_action or s.auth_context or "?"
    if s.app_id:
        name = APPS.get(s.app_id.lower())
        what = f"{name} ({s.app_id})" if name else s.app_id
    bits = [f"{who} -> {what}"]
    for label, value in (
        ("ip", s.ip),
        ("country", s.country),
        ("platform", s.platform),
        ("client", s.client_app),
    ):
        if value:
            bits.append(f"{label}={value}")
    bits.append("mfa" if s.mfa else "single-factor")
    return "  ".join(bits)


def _names(ev: Evaluation, ids: tuple[str, ...]) -> list[str]:
    names = {r.policy.id: r.policy.display_name for r in ev.results}
    return [f'"{names[i]}"' if i in names else i for i in ids]


def render_rich(
    ev: Evaluation,
    *,
    only_applied: bool = False,
    explain: str = "off",
    incomplete: Sequence[NotPulled] = (),
) -> Group:
    table = Table(title="Conditional Access policies", title_justify="left", expand=False)
    table.add_column("Policy", overflow="fold")
    table.add_column("State")
    table.add_column("Applies")
    table.add_column("Reason / grant", overflow="fold")
    for r in ev.results:
        if r.policy.state == "disabled" or (only_applied and not r.applies):
            continue
        state = "report-only" if r.policy.report_only else r.policy.state
        if state not in PolicyState.KNOWN and state != "report-only":
            state = f"unknown {enum_token(state)}"  # a value read from the file (SECURITY.md)
        if r.applies:
            applies = Text("yes", style="bold")
            grant = r.grant.result + (
                f": {', '.join(r.grant.requirement)}" if r.grant.unmet else ""
            )
            if r.policy.report_only:
                grant += f" ({r.report_only_result})"
        elif r.undetermined:
            applies = Text("?", style="magenta")
            grant = f"notEnoughInformation: {r.undetermined_detail}"
        else:
            applies = Text("no", style="dim")
            grant = r.reasons
        table.add_row(r.policy.display_name, state, applies, grant)
        if explain != "off":
            for c in r.conditions:
                if explain == "fails" and c.outcome == "matched":
                    continue
                table.add_row(
                    Text(f"  {c.path}", style="dim"),
                    "",
                    Text(c.outcome, style="dim"),
                    Text(c.detail, style="dim"),
                )
    lines = [Text(_subject(ev), style="cyan")]
    failed = account_failure(ev)
    dec = Text("Decision: ")
    if failed is not None:  # A-TOK-11: no token whatever the policies decide
        dec.append("BLOCK", style=_DECISION_STYLE["block"])
        dec.append(" — the user account is disabled; Conditional Access alone: ")
    dec.append(ev.decision.upper(), style=_DECISION_STYLE.get(ev.decision, "bold"))
    if ev.undetermined or ev.unread_policies:
        why = "they cannot lift the block" if decision_certain(ev) else "the decision could change"
        dec.append(f"{uncertainty(ev)} ({why})", style="magenta")
    if incomplete:
        why = (
            "they cannot lift the block" if ev.decision == "block" else "the decision could change"
        )
        dec.append(f" — policies missing from the export ({why})", style="magenta")
    if ev.requirements and ev.decision != "block":
        dec.append("  requires: " + ", ".join(ev.requirements))
    lines.append(dec)
    if failed is not None:
        lines.append(
            Text(
                f"Any sign-in or background request fails with {failed.code} ({failed.cause}): "
                f"{failed.message}"
            )
        )
    elif ev.error_code:
        lines.append(
            Text(
                f"A non-interactive (background) request would fail with {ev.error_code} ({ev.cause}); "
                f"policies: {', '.join(_names(ev, ev.responsible_policies))}"
            )
        )
    if ev.session_controls:
        lines.append(
            Text(
                "Session controls: " + ", ".join(f"{k}={v}" for k, v in ev.session_controls.items())
            )
        )
    for r in ev.undetermined:
        lines.append(
            Text(f"Undetermined: {r.policy.display_name}: {r.undetermined_detail}", style="magenta")
        )
    for w in ev.unread_policies:
        lines.append(Text(f"Undetermined: {w.file}: {w.message}", style="magenta"))
    for g in incomplete:
        lines.append(Text(f"Incomplete: {g.where}: {g.reason}", style="magenta"))
    warnings = [w for r in ev.results if r.applies or r.undetermined for w in r.policy.warnings]
    for w in warnings[:10]:
        lines.append(Text(f"warning: {w}", style="yellow"))
    return Group(table, Panel(Group(*lines), title="What if", title_align="left"))
