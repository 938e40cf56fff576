"""Matrix inputs named by the user: ``--user``/``--app`` values and a personas file.

A personas file is YAML/JSON (a list of mappings) or CSV (header row) with the columns
``user`` (required), ``name`` (the context's name; default ``persona-N``), ``app`` (one or
more apps separated by ``;``; default: the matrix apps), ``where`` (trusted | untrusted |
abroad), ``mfa``, ``managed`` (true/false). A user or app that resolves to nothing, an
unknown column or value is bad input (exit 2) naming the file, the row and a did-you-mean.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from caflow.advise.context import Probe
from caflow.errors import InputError, UnknownReferenceError, did_you_mean_hint
from caflow.io.whatif import resolve_app
from caflow.matrix.build import Persona, SignInContext
from caflow.model import Tenant, User

__all__ = ["check_one_source", "load_personas", "resolve_user"]

COLUMNS = ("user", "name", "app", "where", "mfa", "managed")
WHERE = ("trusted", "untrusted", "abroad")


def check_one_source(personas: object | None, users: Sequence[str]) -> None:
    """``--personas`` names users itself: with ``--user`` too, which wins would be a guess."""
    if personas is not None and users:
        raise InputError(
            "conflicting options",
            file="--personas/--user",
            expected="--personas FILE or --user, not both",
        )


def resolve_user(tenant: Tenant, ref: str, *, file: str, path: Any = None) -> User:
    user = tenant.directory.user(ref)
    if user is not None:
        return user
    raise UnknownReferenceError(
        "user is not in the bundle's directory",
        file=file,
        path=path,
        expected="a user id or userPrincipalName of directory.yaml",
        got=ref,
        hint=did_you_mean_hint(ref, tenant.directory.user_names()),
    )


def _flag(value: Any, *, file: str, path: tuple[str | int, ...]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0", ""):
        return False
    raise InputError("not a boolean", file=file, path=path, expected="true or false", got=value)


def _rows(path: Path) -> list[Any]:
    if path.suffix.lower() == ".csv":
        from caflow.io.decode import decode_text, read_regular_file

        # Decoded like every input (UTF-8/UTF-16, BOM sniffed; other bytes are parse-error).
        text = decode_text(read_regular_file(path, str(path)), str(path)).lstrip("\ufeff")
        return list(csv.DictReader(text.splitlines()))
    from caflow.io.decode import load_document

    doc = load_document(path)
    if isinstance(doc, Mapping) and "personas" in doc:
        doc = doc["personas"]
    if not isinstance(doc, list):
        raise InputError(
            "not a list of personas",
            file=str(path),
            expected="a list of mappings",
            got=type(doc).__name__,
        )
    return doc


def load_personas(path: Path, tenant: Tenant) -> tuple[Persona, ...]:
    file = str(path)
    out = []
    for i, row in enumerate(_rows(path)):
        if not isinstance(row, Mapping):
            raise InputError("not a mapping", file=file, path=(i,), expected="a mapping", got=row)
        for key in row:
            if key not in COLUMNS:
                raise InputError(
                    "unknown column",
                    file=file,
                    path=(i, str(key)),
                    expected="one of " + ", ".join(COLUMNS),
                    got=key,
                    hint=did_you_mean_hint(str(key), COLUMNS),
                )
        if not row.get("user"):
            raise InputError("missing user", file=file, path=(i, "user"), expected="a user")
        user = resolve_user(tenant, str(row["user"]), file=file, path=(i, "user"))
        where = str(row.get("where") or "untrusted").strip().lower()
        if where not in WHERE:
            raise InputError(
                "invalid value",
                file=file,
                path=(i, "where"),
                expected="one of " + ", ".join(WHERE),
                got=row.get("where"),
            )
        apps_field = row.get("app") or ""
        refs = apps_field if isinstance(apps_field, list) else str(apps_field).split(";")
        apps = tuple(
            resolve_app(tenant, str(a).strip(), file=file, path=(i, "app"))
            for a in refs
            if str(a).strip()
        )
        probe = Probe(
            where=where,
            mfa=_flag(row.get("mfa", False), file=file, path=(i, "mfa")),
            managed=_flag(row.get("managed", False), file=file, path=(i, "managed")),
        )
        name = str(row.get("name") or f"persona-{i + 1}")
        out.append(Persona(user, SignInContext(name, probe), apps))
    if not out:
        raise InputError("no personas", file=file, expected="at least one row")
    return tuple(out)
