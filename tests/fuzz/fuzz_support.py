"""Hostile-input fuzzing support (issue 8 part 5): hypothesis strategies that mutate *valid*
bundles, scenarios and What If requests - types, keys, enum values, sizes, nesting, encodings -
and one in-process runner of the ``caflow`` CLI that checks the invariants every input must keep:

* exit code 0, 1 or 2 - never an uncaught exception;
* no traceback and no "internal error" text;
* exit 2 is one line naming a file (or the command-line option) it is about;
* no canary value planted in a file appears in an error message (values are described by type);
* bounded runtime.
"""

from __future__ import annotations

import copy
import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import typer.testing
import yaml
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from tests.hang_guard import HANG_GUARD_SECONDS
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.errors import shown_name

#: Every fuzz test: no deadline (CI machines vary), slow examples are fine, big data is fine.
FUZZ = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
#: A value planted in mutated files; an error message must never quote it.
CANARY = "CANARY-5e6f7a8b"
#: A mutated input running longer than this is a hang (tests/hang_guard.py; real runs < 0.5 s).
MAX_SECONDS = HANG_GUARD_SECONDS

_runner = CliRunner()
_command = functools.cache(typer.testing._get_command)  # build the click command once


def run_cli(args: list[str]) -> tuple[Any, float]:
    started = time.monotonic()
    with mock.patch.object(typer.testing, "_get_command", _command):
        res = _runner.invoke(app, args)
    return res, time.monotonic() - started


def check_invariants(res: Any, elapsed: float, names: list[str]) -> None:
    """The hostile-input contract; ``names`` are what an exit-2 message may cite."""
    detail = f"exit {res.exit_code}\nstdout: {res.stdout[-2000:]}\nstderr: {res.stderr[-2000:]}"
    assert res.exception is None or isinstance(res.exception, SystemExit), (
        f"uncaught {type(res.exception).__name__}: {res.exception}\n{detail}"
    )
    assert res.exit_code in (0, 1, 2), detail
    event(f"exit {res.exit_code}")  # --hypothesis-show-statistics: how deep the inputs got
    text = res.output
    assert "Traceback" not in text, detail
    assert "internal error" not in text, detail
    if res.exit_code == 2:
        err = res.stderr.strip()
        assert err, detail
        assert any(n in err for n in names), f"exit 2 names no file of {names}\n{detail}"
        # A misspelt *reference* (user, flow, connection ...) is shown as "got 'NAME'" by design
        # (SECURITY.md: names and ids of the objects the output is about are shown; errors.shown_name);
        # the canary anywhere else in the message is a value echoed.
        values_only = err.replace(f"got {shown_name(CANARY)}", "")
        assert CANARY not in values_only, f"an error message echoes file content\n{detail}"
    assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s\n{detail}"


# -- values and mutations --------------------------------------------------------------------

_SPECIAL_STRINGS = [
    "",
    " ",
    CANARY,
    "PT0S",
    "PT1S",
    "PT0.1S",
    "P0D",
    "-P1D",
    "P99999999Y",
    "P1.5M",
    "P1M",
    "P3M",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-01-01",
    "/Date(99999999999999999)/",
    "10.0.0.0/33",
    "::ffff:10.0.0.1",
    "300.1.1.1/8",
    "All",
    "None",
    "GuestsOrExternalUsers",
    "AllTrusted",
    "enabled",
    "disabled",
    "enabledForReportingButNotEnforced",
    "mfa",
    "block",
    "OR",
    "AND",
    "[bold red]x[/]",
    "[/]",
    "\x1b]52;c;ZXZpbA==\x07",
    "\udc80",
    "\u202e",
    "true",
    "NaN",
    "1e309",
    "0755",
    "12:30:00",
    'device.trustType -eq "AzureAD"',
    "device.extensionAttribute1 -in [",
    "x" * 5000,
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(_SPECIAL_STRINGS),
    st.text(max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=8,
)


def _paths(doc: Any, base: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [base]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*base, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*base, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _typo(key: str, how: int) -> str:
    if not key:
        return "x"
    # Keys are structure, not content: messages may name them (did-you-mean), so no canary here.
    typos = [key.upper(), key.lower(), key + "s", key[:-1], key[0].swapcase() + key[1:], "x-" + key]
    return typos[how % 6]


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated(draw: st.DrawFn, doc: Any, max_steps: int = 3) -> Any:
    """``doc`` with 1..max_steps mutations at drawn places."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, max_steps))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        op = draw(
            st.sampled_from(
                ["replace", "replace", "replace", "delete", "rename", "add", "nest", "wrap", "grow"]
            )
        )
        if not path:
            if op in ("replace", "nest"):
                doc = draw(values) if op == "replace" else _nest(doc, draw(st.integers(1, 130)))
            continue
        parent, last = _get(doc, path[:-1]), path[-1]
        here = parent[last]
        if op == "replace":
            parent[last] = draw(values)
        elif op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            parent[_typo(str(last), draw(st.integers(0, 5)))] = parent.pop(last)
        elif op == "add" and isinstance(here, dict):
            here[
                draw(st.sampled_from(["extra", "ID", "@odata.type", "isEnabled", "rememberMFA"]))
            ] = draw(values)
        elif op == "nest":
            parent[last] = _nest(here, draw(st.integers(1, 130)))
        elif op == "wrap":
            parent[last] = [here] if not isinstance(here, list) else {"value": here}
        elif op == "grow" and isinstance(here, list) and here:
            parent[last] = here * draw(st.integers(2, 30))
    return doc


# -- serialisation -----------------------------------------------------------------------------

encodings = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1"])


def to_json_bytes(doc: Any, encoding: str, ascii_only: bool) -> bytes:
    text = json.dumps(doc, ensure_ascii=ascii_only, default=str)  # YAML seeds hold datetimes
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


def to_yaml_bytes(doc: Any, encoding: str) -> bytes:
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        text = json.dumps(doc, default=str)  # JSON is YAML
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


@st.composite
def serialised(draw: st.DrawFn, doc: Any, yaml_file: bool) -> bytes:
    enc = draw(encodings)
    if yaml_file and draw(st.booleans()):
        data = to_yaml_bytes(doc, enc)
    else:
        data = to_json_bytes(doc, enc, draw(st.booleans()))
    cut = draw(st.sampled_from([None, None, None, None, "truncate", "garbage"]))
    if cut == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif cut == "garbage":
        data = data + draw(st.binary(max_size=16))
    return data


def load_any(path: Path) -> Any:
    """Read an example file as data (the mutation seed)."""
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)


Check = Callable[[Any, float, list[str]], None]
