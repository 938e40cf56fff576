"""A scenario's ``tenant:`` written inline (docs/scenario-format.md: "path relative to this
file, or an inline bundle mapping").

Each part of the mapping becomes one in-memory bundle document (``policies`` ->
``policies/inline.yaml``, ``connections`` -> ``powerplatform/connections.yaml`` ...) loaded by
the ordinary bundle loader, so an inline tenant means exactly what the same files on disk
would. Errors are re-addressed to the scenario file and the ``/tenant/...`` JSON path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

import yaml

from caflow.errors import InputError, SchemaError, Shown, did_you_mean_hint, json_pointer, shown_key
from caflow.model.strict import key_spellings, written_key
from caflow.model.tenant import Tenant

__all__ = ["INLINE_PARTS", "load_inline_tenant"]

#: Key of the inline mapping -> the bundle file it stands for (docs/bundle-format.md).
#: YAML keeps YAML timestamps (``recordedDateTime: 2026-01-01T00:00:00Z``) as they were written.
INLINE_PARTS: Mapping[str, str] = {
    "tenant": "tenant.yaml",
    "directory": "directory.yaml",
    "policies": "policies/inline.yaml",
    "namedLocations": "namedLocations.yaml",
    "authenticationStrengths": "authenticationStrengths.yaml",
    "agreements": "agreements.yaml",
    "agreementAcceptances": "agreementAcceptances.yaml",
    "crossTenantAccess": "crossTenantAccess.yaml",
    "connections": "powerplatform/connections.yaml",
    "flows": "powerplatform/flows.yaml",
}


def _documents(
    file: str, bundle: Mapping[str, Any], label: str, at: str = "tenant"
) -> tuple[list[tuple[str, Callable[[], bytes]]], dict[str, tuple[str, ...]]]:
    """In-memory documents for the bundle loader, and each document's ``/tenant/<key>`` path
    (``at``: the ``tenant`` key as written). Parts are spelt camelCase or PascalCase, like every
    scenario key (docs/scenario-format.md); a part written twice is a duplicate."""
    spellings = {k: part for part in INLINE_PARTS for k in key_spellings(part)}
    docs: list[tuple[str, Callable[[], bytes]]] = []
    where: dict[str, tuple[str, ...]] = {}
    for key, value in bundle.items():
        part = spellings.get(str(key))
        if part is None:
            raise SchemaError(
                "unknown part of an inline tenant",
                file=file,
                path=(at, str(key)),
                expected="one of " + ", ".join(INLINE_PARTS),
                got=Shown(shown_key(key)),
                hint=did_you_mean_hint(str(key), INLINE_PARTS),
                code="invalid-value",
            )
        if written_key(bundle, part, file=file, path=(at,)) != key:
            continue  # the same part under its other spelling, meaning the same (A-IN-DUP)
        rel = INLINE_PARTS[part]
        raw = yaml.safe_dump(value, sort_keys=False, allow_unicode=True).encode("utf-8")
        docs.append((rel, partial(bytes, raw)))
        where[label + rel] = (at, str(key))
    if "tenant.yaml" not in {rel for rel, _ in docs}:
        # Bundle mode needs a tenant document; an empty one means Microsoft's defaults.
        docs.insert(0, ("tenant.yaml", lambda: b"{}\n"))
    return docs, where


@contextmanager
def _readdressed(file: str, where: Mapping[str, tuple[str, ...]]) -> Iterator[None]:
    """Re-raise bad input found in an in-memory document against the scenario file, with the
    document's ``/tenant/<key>`` prefix in front of the JSON path inside it."""
    try:
        yield
    except InputError as exc:
        prefix = where.get(exc.file or "")
        if prefix is None:
            raise
        inner = exc.json_path if exc.json_path not in (None, "/") else ""
        raise type(exc)(
            exc.message,
            file=file,
            path=json_pointer(prefix) + (inner or ""),
            expected=exc.expected,
            got=exc.got,
            hint=exc.hint,
            code=exc.code,
        ) from None


def load_inline_tenant(file: str, bundle: Mapping[str, Any], at: str = "tenant") -> Tenant:
    """Load and validate the inline bundle ``bundle`` written in the scenario ``file`` under
    the key ``at`` (``tenant`` or ``Tenant``)."""
    from caflow.engine.evaluate import validate_tenant
    from caflow.io.bundle import load_tenant_from_documents

    label = f"{file}#tenant/"
    docs, where = _documents(file, bundle, label, at)
    with _readdressed(file, where):
        tenant = load_tenant_from_documents(
            docs, label=label, source_name=f"{file}#/tenant", written=True
        )
        validate_tenant(tenant)
    return tenant
