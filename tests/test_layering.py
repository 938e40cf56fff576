"""Layering of src/caflow (DESIGN.md "Architecture", STYLE.md "For caflow" 12).

Order (low -> high): errors < model < io < engine < tokens < automation <
simulate | advise | check | replay | matrix < report | store < web | pull < cli. A module may import its own layer
and lower layers only; additionally ``engine`` must not import ``io`` (the engine works on the
model; parsing belongs to io). Imports are read with ``ast``: ``import caflow.x``,
``from caflow.x import y``, relative imports, and ``importlib.import_module("caflow.x")``, at
any depth (lazy imports inside functions count too). No ``utils.py`` / ``helpers.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "caflow"

RANK: dict[str, int] = {
    "errors": 0,
    "model": 1,
    "io": 2,
    "engine": 3,
    "tokens": 4,
    "automation": 5,
    "simulate": 6,
    "advise": 6,
    "check": 6,
    "replay": 6,
    "matrix": 6,
    "report": 7,
    "store": 7,
    "web": 8,
    "pull": 8,
    "cli": 9,
}
#: Imports forbidden although the target ranks lower.
FORBIDDEN: dict[str, set[str]] = {"engine": {"io"}}
#: Package data folders (no Python): the example tenant and scenarios shipped with the wheel.
DATA_FOLDERS = {"examples"}
#: The package root (public API re-exports) may import any layer.
TOP = "__init__"


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str:
    """``caflow.engine.grants`` -> ``engine``; ``caflow.errors`` -> ``errors``; ``caflow`` -> TOP."""
    parts = module.split(".")
    if len(parts) == 1:
        return TOP
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
                if not node.module:
                    found.extend((node.lineno, f"{target}.{a.name}") for a in node.names)
                    continue
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            if (
                target == "caflow"
            ):  # from caflow import engine (but not: from caflow import __version__)
                found.extend(
                    (node.lineno, f"caflow.{a.name}")
                    for a in node.names
                    if not a.name.startswith("_")
                )
        elif isinstance(node, ast.Call):
            fn = node.func
            name = (
                fn.attr
                if isinstance(fn, ast.Attribute)
                else fn.id
                if isinstance(fn, ast.Name)
                else ""
            )
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((node.lineno, arg.value))
    return [(line, mod) for line, mod in found if mod == "caflow" or mod.startswith("caflow.")]


def _violations() -> list[str]:
    out: list[str] = []
    for path in _modules():
        src_layer = _layer(_module_name(path))
        if src_layer == TOP:
            continue
        for line, target in _imports(path):
            dst_layer = _layer(target)
            if dst_layer in (TOP, src_layer):
                continue  # "import caflow" (e.g. for __version__) or the module's own layer
            rel = path.relative_to(SRC.parent)
            if dst_layer not in RANK:
                out.append(f"{rel}:{line}: imports unknown layer '{dst_layer}' ({target})")
            elif RANK[dst_layer] > RANK[src_layer]:
                out.append(f"{rel}:{line}: upward import {src_layer} -> {dst_layer} ({target})")
            elif dst_layer in FORBIDDEN.get(src_layer, set()):
                out.append(f"{rel}:{line}: forbidden import {src_layer} -> {dst_layer} ({target})")
    return out


def test_every_folder_is_a_known_layer() -> None:
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__"}
    modules = {p.stem for p in SRC.glob("*.py")} - {"__init__", "__main__", "py"}
    unknown = (folders | modules) - set(RANK) - DATA_FOLDERS
    assert not unknown, f"place these in tests/test_layering.py RANK: {sorted(unknown)}"


def test_data_folders_hold_no_python() -> None:
    code = [str(p.relative_to(SRC)) for d in DATA_FOLDERS for p in (SRC / d).rglob("*.py")]
    assert not code, f"package data folders are not layers: {code}"


def test_no_upward_imports() -> None:
    violations = _violations()
    assert not violations, "\n".join(violations)


def test_no_utils_or_helpers_modules() -> None:
    bad = [
        str(p.relative_to(SRC.parent))
        for p in SRC.rglob("*")
        if p.stem.lower() in ("utils", "helpers", "util", "helper", "misc")
        and "__pycache__" not in p.parts
    ]
    assert not bad, f"a helper lives in the layer owning its concept (STYLE.md 12): {bad}"


# -- the checker itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "code", "expected"),
    [
        (
            "engine/x.py",
            "from caflow.io.bundle import load_bundle",
            "forbidden import engine -> io",
        ),
        ("engine/x.py", "import caflow.tokens.refresh", "upward import engine -> tokens"),
        (
            "model/x.py",
            "def f():\n    from caflow.engine import evaluate\n",
            "upward import model -> engine",
        ),
        ("io/x.py", "from ..engine import signin", "upward import io -> engine"),
        ("io/x.py", "from . import decode", None),
        ("errors.py", "from caflow.model import policy", "upward import errors -> model"),
        (
            "report/x.py",
            "import importlib\nimportlib.import_module('caflow.cli.main')",
            "upward import report -> cli",
        ),
        (
            "cli/x.py",
            "from caflow.engine.evaluate import evaluate\nfrom caflow import io, __version__",
            None,
        ),
        ("model/x.py", "from caflow import __version__\nimport caflow", None),
        ("tokens/x.py", "from caflow import automation", "upward import tokens -> automation"),
        (
            "engine/x.py",
            "from caflow.model.policy import Policy\nfrom caflow.errors import InputError",
            None,
        ),
    ],
)
def test_checker_detects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rel: str, code: str, expected: str | None
) -> None:
    root = tmp_path / "caflow"
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    (root / "__init__.py").write_text("")
    if target.parent != root:
        (target.parent / "__init__.py").write_text("")
    target.write_text(code)
    monkeypatch.setattr(__import__(__name__), "SRC", root)
    found = _violations()
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found
