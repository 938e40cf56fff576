"""JSON Schemas of every caflow format, generated from the pydantic models that define them.

``caflow schema NAME`` prints one; docs/schema/ holds them all (``caflow schema --out
docs/schema``), and a test fails when a published file differs from what the models generate.
Input formats come from the models the loaders read through (``tenant.yaml``,
``directory.yaml``, scenarios) or describe (exported Graph / Power Platform files); output
formats from :mod:`caflow.report.contracts`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic is imported by the models, when a schema is built: not at start-up
    from pydantic import BaseModel

__all__ = ["BUNDLE_FILES", "NAMES", "render", "schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _tenant() -> type[BaseModel]:
    from caflow.model.tenant import TenantFile

    return TenantFile


def _directory() -> type[BaseModel]:
    from caflow.io.directory import DirectoryFile

    return DirectoryFile


def _exported(name: str) -> Callable[[], type[BaseModel]]:
    def load() -> type[BaseModel]:
        from caflow.io import export_formats

        model: type[BaseModel] = getattr(export_formats, name)
        return model

    return load


def _scenario() -> type[BaseModel]:
    from caflow.simulate.scenario_format import ScenarioFile

    return ScenarioFile


def _output(name: str) -> Callable[[], type[BaseModel]]:
    def load() -> type[BaseModel]:
        from caflow.report import contracts

        model: type[BaseModel] = getattr(contracts, name)
        return model

    return load


#: schema name -> (bundle file it describes or "", is a list file, model).
_MODELS: dict[str, tuple[str, bool, Callable[[], type[BaseModel]]]] = {
    "tenant": ("tenant.yaml", False, _tenant),
    "directory": ("directory.yaml", False, _directory),
    "policy": ("policies/*.json", True, _exported("PolicyObject")),
    "namedLocations": ("namedLocations.json", True, _exported("NamedLocationObject")),
    "authenticationStrengths": (
        "authenticationStrengths.json",
        True,
        _exported("AuthenticationStrengthObject"),
    ),
    "agreements": ("agreements.json", True, _exported("AgreementObject")),
    "agreementAcceptances": (
        "agreementAcceptances.json",
        True,
        _exported("AgreementAcceptanceObject"),
    ),
    "crossTenantAccess": ("crossTenantAccess.json", False, _exported("CrossTenantAccessObject")),
    "connections": ("powerplatform/connections.json", True, _exported("ConnectionObject")),
    "flows": ("powerplatform/flows.json", True, _exported("FlowObject")),
    "scenario": ("", False, _scenario),
    "whatif": ("", False, _output("WhatIfOutput")),
    "simulate": ("", False, _output("SimulateOutput")),
    "advise": ("", False, _output("AdviseOutput")),
    "check": ("", False, _output("CheckOutput")),
    "matrix": ("", False, _output("MatrixOutput")),
    "replay": ("", False, _output("ReplayOutput")),
    "apps": ("", False, _output("AppsOutput")),
    "pull": ("", False, _output("PullManifest")),
    "demo": ("", False, _output("DemoOutput")),
}

#: Bundle file -> schema name.
BUNDLE_FILES: dict[str, str] = {f: n for n, (f, _, _) in _MODELS.items() if f}
#: Every name ``caflow schema`` accepts (``bundle`` = all bundle files in one document).
NAMES: tuple[str, ...] = ("bundle", *_MODELS)


def _list_file(item: dict[str, Any]) -> dict[str, Any]:
    """A list file holds a bare list, a Graph page ``{"value": [...]}`` or one object."""
    defs = item.pop("$defs", {})
    title = item.get("title", "item")
    defs[title] = item
    ref = {"$ref": f"#/$defs/{title}"}
    return {
        "$defs": defs,
        "anyOf": [
            {"type": "array", "items": ref},
            {
                "type": "object",
                "properties": {"value": {"type": "array", "items": ref}},
                "required": ["value"],
            },
            ref,
        ],
    }


def _body(name: str, *, as_list: bool = False) -> dict[str, Any]:
    """The schema of ``name`` without its head; ``as_list``: also as a list file."""
    _, is_list, model = _MODELS[name]
    body = model().model_json_schema()
    return _list_file(body) if is_list or as_list else body


def _renamed_refs(node: Any, prefix: str) -> Any:
    """``node`` with every ``#/$defs/X`` reference turned into ``#/$defs/<prefix>X``."""
    if isinstance(node, dict):
        return {
            k: (
                "#/$defs/" + prefix + v.removeprefix("#/$defs/")
                if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/")
                else _renamed_refs(v, prefix)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_renamed_refs(v, prefix) for v in node]
    return node


def _inline_tenant(scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario schema with ``tenant:``'s inline mapping typed: each part is the schema of
    the bundle file it stands for (caflow.simulate.inline_tenant.INLINE_PARTS), its
    definitions kept under ``inline.<part>.`` so they cannot clash with the scenario's."""
    from caflow.model.strict import accept_spellings
    from caflow.simulate.inline_tenant import INLINE_PARTS

    defs: dict[str, Any] = scenario.setdefault("$defs", {})
    parts: dict[str, Any] = {}
    for part in INLINE_PARTS:
        # ``policies`` holds policy objects: a list, a Graph page or one, as a policies/ file.
        name = "policy" if part == "policies" else part
        prefix = f"inline.{part}."
        body = _renamed_refs(_body(name, as_list=part == "policies"), prefix)
        defs.update({prefix + k: v for k, v in body.pop("$defs", {}).items()})
        defs[prefix[:-1]] = body
        parts[part] = {"$ref": f"#/$defs/{prefix[:-1]}"}
    inline = accept_spellings(
        {
            "type": "object",
            "description": "inline bundle: each part is the bundle file of that name "
            "(docs/scenario-format.md)",
            "properties": parts,
            "additionalProperties": False,
        }
    )
    defs["InlineTenant"] = inline
    ref = {"$ref": "#/$defs/InlineTenant"}
    for key, prop in scenario["properties"].items():
        if key.lower() == "tenant":
            prop["oneOf"] = [b if b.get("type") != "object" else ref for b in prop["oneOf"]]
    return scenario


def _one(name: str) -> dict[str, Any]:
    file = _MODELS[name][0]
    body = _body(name)
    if name == "scenario":
        body = _inline_tenant(body)
    head: dict[str, Any] = {"$schema": _DIALECT, "title": f"caflow {name}"}
    if file:
        head["description"] = f"caflow bundle file {file} (docs/bundle-format.md)"
    return {**head, **body}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of :data:`NAMES`)."""
    if name != "bundle":
        return _one(name)
    files: dict[str, Any] = {}
    for file, part in BUNDLE_FILES.items():
        one = _one(part)
        one.pop("$schema", None)
        files[file] = one
    return {
        "$schema": _DIALECT,
        "title": "caflow bundle",
        "description": "Every file of a tenant bundle, by path (docs/bundle-format.md)",
        "type": "object",
        "properties": files,
    }


def render(name: str) -> str:
    """``schema(name)`` as the text published in docs/schema/<name>.schema.json."""
    return json.dumps(schema(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
