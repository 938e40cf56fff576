"""The JSON API fuzzed from its own OpenAPI document (schemathesis, in-process over ASGI).

Every generated request - valid or not - must be answered without a server error (no 5xx:
bad input is a 4xx with the CLI's message), with a status the document declares and, for a
200, a body matching the declared contract (the CLI's ``--json`` schema). Derandomised and
bounded so it runs the same way every time and well under a minute in CI.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import positive_data_acceptance
from tests.examples_paths import CONTOSO, EXAMPLES

from caflow.web.app import create_app

app = create_app(CONTOSO, root=Path(__file__).parent, examples=EXAMPLES)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_answers_its_contract(case: schemathesis.Case) -> None:
    # A request the schema allows may still name an app, user or file the bundle does not hold:
    # that is a 400 with the CLI's message, not a failure (positive_data_acceptance excluded).
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
