"""Graph ``tokenLifetimePolicy`` objects of an export -> ``tenant.yaml`` token settings.

EntraExporter writes ``GET /policies/tokenLifetimePolicies`` as
``Policies/TokenLifetimePolicy/<id>/<id>.json`` (its ``Get-EEDefaultSchema``); a
``Get-MgPolicyTokenLifetimePolicy | ConvertTo-Json`` or ``az rest`` file holds the same objects.
Each object's ``definition`` is one JSON string, ``{"TokenLifetimePolicy": {"Version": 1,
"MaxInactiveTime": "...", ...}}`` ("tokenLifetimePolicy resource type",
https://learn.microsoft.com/graph/api/resources/tokenlifetimepolicy; docs/sources.md TS-1.4 for
the properties and their ranges).

Only the organization default (``isOrganizationDefault: true``) applies to every app, and that
is what ``tenant.yaml`` ``settings.tokenLifetimePolicy`` / ``accessTokenLifetime`` describe: its
values become those settings, with the same validation as a hand-written ``tenant.yaml``. A
policy that is not the organization default applies only to the applications it is assigned
to, which caflow does not model: it is named, never applied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from caflow.errors import SchemaError, describe
from caflow.io.fields import Path
from caflow.model.durations import parse_timespan
from caflow.model.strict import read_model
from caflow.model.tenant import Settings, TokenLifetimePolicy

__all__ = ["OrgTokenLifetime", "is_token_lifetime_policy", "read_org_default"]

_KEY = "TokenLifetimePolicy"


def _definition(obj: dict[str, Any]) -> Any:
    """The parsed first ``definition`` string, or None when there is none to parse."""
    definition = obj.get("definition")
    if isinstance(definition, list) and definition and isinstance(definition[0], str):
        try:
            return json.loads(definition[0])
        except ValueError:
            return None
    return None


def is_token_lifetime_policy(obj: dict[str, Any]) -> bool:
    """A Graph tokenLifetimePolicy (its ``@odata.type``, or a ``definition`` whose one key is
    ``TokenLifetimePolicy``; its siblings activityBasedTimeoutPolicy, tokenIssuancePolicy ...
    share the shape but not that key)."""
    if str(obj.get("@odata.type", "")).lower().endswith(".tokenlifetimepolicy"):
        return True
    parsed = _definition(obj)
    return isinstance(parsed, dict) and _KEY in parsed and "isOrganizationDefault" in obj


@dataclass(frozen=True)
class OrgTokenLifetime:
    """What the organization-default policy sets (``settings`` keys of ``tenant.yaml``)."""

    token_lifetime_policy: TokenLifetimePolicy
    access_token_lifetime: timedelta | None  # AccessTokenLifetime, when the policy sets it


def _iso(span_text: str, file: str, path: Path) -> str:
    """A TimeSpan (``02:00:00``) as the ISO 8601 duration tenant.yaml's accessTokenLifetime takes."""
    try:
        span = parse_timespan(span_text)
    except ValueError:
        span = None
    if span is None:
        raise SchemaError(
            "invalid value",
            file=file,
            path=path,
            expected="a TimeSpan such as 01:00:00 (AccessTokenLifetime cannot be until-revoked)",
            got=span_text,
            code="invalid-value",
        )
    return f"PT{int(span.total_seconds())}S"


def read_org_default(obj: dict[str, Any], file: str, path: Path) -> OrgTokenLifetime:
    """The organization-default policy's definition as tenant.yaml settings; bad values are
    exit 2 with the file and ``/definition/0`` (the JSON string that holds them)."""
    at: Path = (*path, "definition", 0)
    parsed = _definition(obj)
    body = parsed.get(_KEY) if isinstance(parsed, dict) else None
    if not isinstance(body, dict):
        raise SchemaError(
            "wrong type",
            file=file,
            path=at,
            expected='a JSON string {"TokenLifetimePolicy": {...}}',
            got=obj.get("definition"),
        )
    fields = set(TokenLifetimePolicy.model_fields)
    values = {k: v for k, v in body.items() if k in fields}
    policy = read_model(TokenLifetimePolicy, values, file=file, path=(*at, _KEY))
    access = body.get("AccessTokenLifetime")
    if access is not None and not isinstance(access, str):
        raise SchemaError(
            "wrong type",
            file=file,
            path=(*at, _KEY, "AccessTokenLifetime"),
            expected="a TimeSpan string",
            got=describe(access),
        )
    lifetime = None
    if access:
        # tenant.yaml's own check (10 minutes .. 1 day), on the value as ISO 8601
        iso = _iso(access, file, (*at, _KEY, "AccessTokenLifetime"))
        lifetime = read_model(
            Settings, {"accessTokenLifetime": iso}, file=file, path=(*at, _KEY)
        ).accessTokenLifetime
    return OrgTokenLifetime(policy, lifetime)
