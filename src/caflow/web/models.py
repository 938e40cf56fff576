"""Request bodies of the JSON API (and the fields of the matching HTML forms).

Each mirrors a CLI command's options under the same names (``caflow whatif --client-app`` is
``client_app``), so a request is read with the CLI's own resolution and checks
(:mod:`caflow.io.whatif`, ``check_window``, ``enable_policies`` ...) and fails with the CLI's
message. Responses are the CLI's ``--format json`` output (:mod:`caflow.report.contracts`).
Unknown fields are refused: a misspelt option silently ignored would answer another question.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AdviseRequest",
    "CheckRequest",
    "ErrorBody",
    "MatrixRequest",
    "SimulateRequest",
    "WhatIfRequest",
]

_Text = Field(default=None, max_length=4096)
_BUNDLE = Field(
    default=None,
    max_length=4096,
    description="Bundle path inside the served folder (or @examples/contoso), or the id of an "
    "opened bundle; default: the bundle open in the page.",
)
_AT = Field(
    default=None,
    max_length=64,
    description="Evaluate at this time (ISO 8601, UTC if no offset; default now).",
)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WhatIfRequest(_Request):
    """``caflow whatif`` options: who signs in to what, from where, with what."""

    bundle: str | None = _BUNDLE
    user: str | None = Field(default=None, max_length=4096, description="User UPN, id or name.")
    member_of: list[str] = Field(default_factory=list, max_length=100)
    role: list[str] = Field(default_factory=list, max_length=100)
    guest_type: str | None = _Text
    external_tenant: str | None = _Text
    service_principal: str | None = _Text
    app: str | None = Field(default=None, max_length=4096, description="App id or well-known name.")
    user_action: str | None = _Text
    auth_context: str | None = _Text
    ip: str | None = Field(default=None, max_length=64, description="Public IP seen by Entra.")
    country: str | None = Field(default=None, max_length=64, description="Two-letter country.")
    platform: str | None = _Text
    client_app: str | None = _Text
    device: str | None = Field(
        default=None,
        max_length=65536,
        description="Directory device name/id, inline JSON properties, or 'unregistered'.",
    )
    compliant: bool = False
    sign_in_risk: str | None = _Text
    user_risk: str | None = _Text
    insider_risk: str | None = _Text
    sp_risk: str | None = _Text
    auth_flow: str | None = _Text
    mfa: bool = False
    method: list[str] = Field(default_factory=list, max_length=100)
    accepted_terms: list[str] = Field(default_factory=list, max_length=100)
    approved_app: bool = False
    app_protection: bool = False
    at: str | None = _AT
    explain: Literal["off", "fails", "full"] = "off"
    only_applied: bool = False
    strict: bool = Field(
        default=False,
        description="An unknown user or group name is bad input (400) instead of a warning.",
    )


class AdviseRequest(_Request):
    """``caflow advise`` options."""

    bundle: str | None = _BUNDLE
    at: str | None = _AT
    select: list[str] = Field(default_factory=list, max_length=100, description="Rule ids.")
    suppressions: str | None = Field(
        default=None,
        max_length=4096,
        description="Suppressions file (YAML list of {rule, policy?, justification}) inside "
        "the served folder, as caflow advise --suppressions.",
    )


class CheckRequest(_Request):
    """``caflow check`` options (the baseline is ``bundle``)."""

    bundle: str | None = _BUNDLE
    proposed: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Proposed bundle or policy file(s)/folder inside the served folder.",
    )
    enable: list[str] = Field(
        default_factory=list, max_length=200, description="Policy names or ids to switch on."
    )
    horizon: str = Field(default="P90D", max_length=64, description="ISO 8601 duration.")
    start: str | None = Field(default=None, max_length=64, description="Start (default now).")


class SimulateRequest(_Request):
    """``caflow simulate`` options."""

    scenario: str = Field(
        max_length=4096,
        description="Scenario file inside the served folder, e.g. "
        "@examples/scenarios/effect1-future-runs.yaml.",
    )
    until: str | None = Field(default=None, max_length=64, description="Stop at (ISO 8601).")


class MatrixRequest(_Request):
    """``caflow matrix`` options."""

    bundle: str | None = _BUNDLE
    user: list[str] = Field(default_factory=list, max_length=500)
    app: list[str] = Field(default_factory=list, max_length=50)
    personas: str | None = Field(
        default=None,
        max_length=4096,
        description="Personas file (CSV with a header, or YAML/JSON list of user, name, app, "
        "where, mfa, managed) inside the served folder, as caflow matrix --personas; not "
        "with user.",
    )
    at: str | None = _AT


class ErrorDetail(BaseModel):
    """The CLI's error, in parts: ``text`` is exactly the line ``caflow`` prints."""

    message: str
    file: str | None = None
    path: str | None = None
    expected: str | None = None
    hint: str | None = None
    code: str
    text: str


class ErrorBody(BaseModel):
    error: ErrorDetail
