"""JUnit XML (CI test reports) for advise and check.

advise: one test case per finding, named by rule; FAIL is a ``<failure>``, UNDETERMINED an
``<error>`` (caflow could not decide: the case did not run to a verdict, so it is never
counted as passed), NOT_EVALUATED and SUPPRESSED are ``<skipped>`` with the reason. check: one
case per broken connection, failing flow and blocked user, then the new findings as above;
a check that breaks nothing is one passing case. Every undetermined connection, flow or user
scope is an ``<error type="undetermined">`` case with its reason (never a pass).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from caflow.automation.verdicts import when_phrase
from caflow.report.impact import blocked_pairs
from caflow.report.rulelinks import CHECK_UNDETERMINED, DocLinks

__all__ = ["render"]


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=name)


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name)


def _outcome(case: ET.Element, tag: str, message: str, kind: str, text: str = "") -> None:
    el = ET.SubElement(case, tag, message=message, type=kind)
    if text:
        el.text = text


def _findings(suite: ET.Element, findings: list[dict[str, Any]], links: DocLinks) -> None:
    for f in findings:
        case = _case(suite, f"caflow.{f['ruleId']}", f["message"])
        status = f["status"]
        detail = "\n".join(
            [*(f"{e['file']}#{e['pointer']}" for e in f["evidence"]), links.rule(f["ruleId"])]
        )
        if status == "FAIL":
            _outcome(case, "failure", f["message"], f["severity"], detail)
        elif status == "UNDETERMINED":
            reason = f.get("reason") or "not enough information"
            _outcome(case, "error", f"undetermined: {reason}", "undetermined", detail)
        elif status == "NOT_EVALUATED":
            ET.SubElement(case, "skipped", message=f"not evaluated: {f.get('reason') or ''}")
        elif status == "SUPPRESSED":
            ET.SubElement(case, "skipped", message=f"suppressed: {f.get('justification') or ''}")


def _check(root: ET.Element, data: dict[str, Any], links: DocLinks) -> None:
    impact = _suite(root, "caflow check: impact")
    if data.get("warnings"):
        # Load warnings (issue 13): one property each (JUnit properties precede the cases) and
        # all of them in system-err (appended last, where the schema places it).
        props = ET.SubElement(impact, "properties")
        for w in data["warnings"]:
            ET.SubElement(props, "property", name="warning", value=w)
    for c in data["connectionsBreaking"]:
        case = _case(impact, "caflow.check.connection", c["id"])
        text = f"policies: {', '.join(c.get('policies') or []) or '(none named)'}"
        _outcome(
            case,
            "failure",
            f"breaks {c['at'] or when_phrase(c.get('when') or '(date unknown)')}: "
            f"{c['errorCode'] or 'no code'}, "
            f"{c['cause'] or 'unknown cause'} (owner {c.get('user') or 'unknown'})",
            c["errorCode"] or "break",
            text,
        )
    for f in data["flowsFailing"]:
        case = _case(impact, "caflow.check.flow", f["id"])
        if f["firstFailureAt"] or not f.get("when"):
            when = f"from {f['firstFailureAt'] or '(date unknown)'} ({f['failedRuns']} failed runs)"
        else:
            when = f"{when_phrase(f['when'])} (connection {f['connection']})"
        _outcome(case, "failure", f"fails {when}", "flowFails")
    for u in blocked_pairs(data):  # one failing case per user x app pair
        case = _case(impact, "caflow.check.user", f"{u['user']} → {u['appName']}")
        _outcome(case, "failure", f"loses access ({u['errorCode']})", u["errorCode"] or "block")
    for u in data["undetermined"]:
        if u["kind"] == "finding":
            continue  # a new UNDETERMINED finding: its own case below
        case = _case(impact, f"caflow.check.{u['kind']}", u["id"])
        _outcome(
            case,
            "error",
            f"undetermined: {u['reason']}",
            "undetermined",
            links.rule(CHECK_UNDETERMINED),
        )
    if not data["breaks"]:
        _case(impact, "caflow.check", data["impactLine"])
    if data.get("warnings"):
        ET.SubElement(impact, "system-err").text = "\n".join(
            "warning: " + w for w in data["warnings"]
        )
    _findings(_suite(root, "caflow check: new findings"), data["newFindings"], links)


def _count(root: ET.Element) -> None:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))


def render(result: Any, *, links: DocLinks | None = None) -> str:
    links = links or DocLinks()
    data = result.to_json()
    if hasattr(result, "plan_text"):
        root = ET.Element("testsuites", name="caflow check")
        _check(root, data, links)
    else:
        root = ET.Element("testsuites", name="caflow advise")
        tenant = data["tenant"]["displayName"] or data["tenant"]["id"] or "tenant"
        _findings(_suite(root, f"caflow advise: {tenant}"), data["findings"], links)
    _count(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
