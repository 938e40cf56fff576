"""ConvertTo-Json without -Depth: what is flagged, and what real data must not be."""

from __future__ import annotations

import pytest

from caflow.errors import SchemaError
from caflow.io.truncation import check_not_truncated, find_truncated


@pytest.mark.parametrize(
    "value",
    [
        "Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessConditionSet",
        "Microsoft.Graph.Beta.PowerShell.Models.MicrosoftGraphConditionalAccessUsers",
        "System.Collections.Hashtable",
        "System.Collections.Generic.Dictionary`2[System.String,System.Object]",
        "System.Object[]",
        "@{IncludeUsers=System.Object[]; ExcludeUsers=System.Object[]}",
    ],
)
def test_truncated_values_are_found_with_their_path(value: str) -> None:
    doc = {"value": [{"id": "x", "conditions": {"users": value}}]}
    assert find_truncated(doc) == (("value", 0, "conditions", "users"), value)
    with pytest.raises(SchemaError) as info:
        check_not_truncated(doc, "export.json")
    assert info.value.code == "truncated-export"
    assert "-Depth 10" in str(info.value) and "/value/0/conditions/users" in str(info.value)


@pytest.mark.parametrize(
    "value",
    [
        "@{triggerBody()?['Title']}",  # a flow expression
        "@{variables('x')}",
        "Microsoft Flow Service",
        "System administrators",
        "MicrosoftGraphConditionalAccessUsers",
    ],
)
def test_real_values_are_not_flagged(value: str) -> None:
    assert find_truncated({"a": [value, {"b": value}]}) is None
