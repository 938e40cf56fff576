"""SARIF 2.1.0 writer: one rule per advise rule, UNDETERMINED as ``note`` with its reason.

``check`` adds the rule ``check_undetermined``: one ``warning`` result per connection, flow or
user scope it could not evaluate, with the reason (a clean code-scanning page would otherwise
read as "safe" for a bundle caflow could not judge).

Each rule's ``help`` names its documentation, ``docs/rules.md#<id>``; ``helpUri`` (and the
driver's ``informationUri``) only when ``--docs-base-url`` makes it absolute
(SARIF 2.1.0 §3.49.12: helpUri is an absolute URI; caflow does not invent one, rulelinks); ``properties.security-severity`` follows the
GitHub code-scanning convention (critical 9.5, high 8.0, medium 5.5, low 3.0).
"""

from __future__ import annotations

import json
from typing import Any

from caflow import __version__
from caflow.report.anchor import SourceAnchor
from caflow.report.rulelinks import CHECK_UNDETERMINED, DocLinks

__all__ = ["SECURITY_SEVERITY", "render"]

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def _location(ev: dict[str, str], anchor: SourceAnchor) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": anchor.path(ev["file"]), "uriBaseId": anchor.base_id}
        },
        "logicalLocations": [
            {"fullyQualifiedName": ev["file"] + "#" + ev["pointer"], "kind": "object"}
        ],
    }


def _base_ids(anchor: SourceAnchor) -> dict[str, Any]:
    """SARIF 2.1.0 §3.14.14 ``originalUriBaseIds``: what the relative evidence URIs are
    relative to (an absolute ``file:`` URI when caflow knows the folder)."""
    what = (
        "The repository root given as --sarif-root."
        if anchor.root is not None
        else "The tenant bundle folder given to caflow."
    )
    entry: dict[str, Any] = {"description": {"text": what}}
    uri = anchor.base_uri()
    if uri is not None:
        entry["uri"] = uri
    return {anchor.base_id: entry}


def _help(rule_id: str, text: str, links: DocLinks) -> dict[str, Any]:
    """``help`` naming the rule's documentation, plus ``helpUri`` when it is absolute."""
    out: dict[str, Any] = {"help": {"text": f"{text} Documentation: {links.rule(rule_id)}"}}
    if links.absolute:
        out["helpUri"] = links.rule(rule_id)
    return out


def render(
    result: Any, *, anchor: SourceAnchor | None = None, links: DocLinks | None = None
) -> str:
    """``anchor`` re-expresses evidence paths for a code host (``--sarif-root``); ``links``
    places the rule documentation (``--docs-base-url``)."""
    anchor = anchor or SourceAnchor()
    links = links or DocLinks()
    advise = result.advise_result() if hasattr(result, "advise_result") else result
    data = advise.to_json()
    metas = {m.id: m for m in advise.rules}
    rules = []
    index = {}
    for i, m in enumerate(advise.rules):
        index[m.id] = i
        rules.append(
            {
                "id": m.id,
                "name": "".join(w.capitalize() for w in m.id.split("_")),
                "shortDescription": {"text": m.title},
                "fullDescription": {"text": m.risk},
                **_help(m.id, m.remedy.text, links),
                "defaultConfiguration": {"level": _LEVEL[m.severity.value]},
                "properties": {
                    "security-severity": SECURITY_SEVERITY[m.severity.value],
                    "tags": ["security", "power-automate"],
                },
            }
        )
    results = []
    for f in data["findings"]:
        if f["status"] == "PASS" or f["ruleId"] not in metas:
            continue
        text = f["message"]
        if f["status"] == "UNDETERMINED":
            level = "note"
            text += f" (undetermined: {f.get('reason') or 'not enough information'})"
        elif f["status"] == "NOT_EVALUATED":
            level = "none"  # SARIF 2.1.0 §3.27.9 kind notApplicable: the rule was not evaluated
            text += f" (not evaluated: {f.get('reason') or 'nothing to look at'})"
        else:
            level = _LEVEL[f["severity"]]
        entry: dict[str, Any] = {
            "ruleId": f["ruleId"],
            "ruleIndex": index[f["ruleId"]],
            "level": level,
            "message": {"text": text},
            "locations": [_location(e, anchor) for e in f["evidence"]][:10]
            or [{"logicalLocations": [{"fullyQualifiedName": "tenant", "kind": "module"}]}],
            "properties": {
                "status": f["status"],
                "severity": f["severity"],
                "security-severity": SECURITY_SEVERITY[f["severity"]],
                "reportOnly": f["reportOnly"],
                "affected": f["affected"],
                **({"errorCode": f["errorCode"]} if f.get("errorCode") else {}),
            },
        }
        if f["status"] == "NOT_EVALUATED":
            entry["kind"] = "notApplicable"
        if f["status"] == "SUPPRESSED":
            # SARIF 2.1.0 §3.35: kind "external" = suppressed outside the analysed files
            entry["suppressions"] = [
                {"kind": "external", "justification": f.get("justification", "")}
            ]
        results.append(entry)
    doubtful = (
        [u for u in result.undetermined_list() if u["kind"] != "finding"]
        if hasattr(result, "undetermined_list")
        else []
    )
    if doubtful:
        index[CHECK_UNDETERMINED] = len(rules)
        rules.append(
            {
                "id": CHECK_UNDETERMINED,
                "name": "CheckUndetermined",
                "shortDescription": {"text": "caflow check could not evaluate this item"},
                "fullDescription": {
                    "text": "A connection, flow or user scope the export does not let caflow "
                    "evaluate (owner not in the bundle, unmapped connector, connections or "
                    "schedule not in the export, a policy undetermined for the owner): it may "
                    "break, so it is never counted as safe."
                },
                **_help(
                    CHECK_UNDETERMINED,
                    "Export what is missing (directory.yaml, the flows' "
                    "definitions) or review the item by hand.",
                    links,
                ),
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["power-automate", "undetermined"]},
            }
        )
    for u in doubtful:
        results.append(
            {
                "ruleId": CHECK_UNDETERMINED,
                "ruleIndex": index[CHECK_UNDETERMINED],
                "level": "warning",
                "message": {"text": f"{u['kind']} {u['id']} undetermined: {u['reason']}"},
                "locations": [
                    {
                        "logicalLocations": [
                            {"fullyQualifiedName": f"{u['kind']}/{u['id']}", "kind": "object"}
                        ]
                    }
                ],
                "properties": {"status": "UNDETERMINED", "kind": u["kind"], "id": u["id"]},
            }
        )
    doc: dict[str, Any] = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "caflow",
                        "version": __version__,
                        **({"informationUri": links.base} if links.base else {}),
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": _base_ids(anchor),
                "results": results,
            }
        ],
    }
    warnings = getattr(result, "warnings", None)
    if warnings:
        # Load warnings (issue 13) as tool execution notifications (SARIF 2.1.0 §3.20.21):
        # they concern the input, not a result location.
        doc["runs"][0]["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": w}} for w in warnings
                ],
            }
        ]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
