"""``caflow.advise`` exports its public names lazily; ``--help`` must not load the rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

import caflow.advise


def test_every_public_name_resolves() -> None:
    for name in caflow.advise.__all__:
        assert getattr(caflow.advise, name) is not None, name
    with pytest.raises(AttributeError):
        _ = caflow.advise.no_such_name


def test_fail_on_choices_are_the_severities_plus_never() -> None:
    from caflow.advise.severity import FailOn, Severity, threshold

    assert [f.value for f in FailOn] == [*(s.value for s in Severity), "never"]
    assert threshold(FailOn("high")) is Severity.HIGH and threshold(FailOn("never")) is None


def test_cli_import_does_not_load_the_rules() -> None:
    code = (
        "import sys, caflow.cli.main; "
        "print(sorted(m for m in sys.modules if m.startswith('caflow.advise')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['caflow.advise', 'caflow.advise.severity']"
