"""Suite-wide settings and shared fixtures. Under CI (``CI`` set), hypothesis runs derandomized
so a submission is judged reproducibly; locally it explores new examples on every run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from tests.examples_paths import CONTOSO
from tests.proposals import PolicyFile

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def policy_file(tmp_path: Path) -> PolicyFile:
    """``policy_file(policy, name="proposed.json")``: the policy written as the JSON file a
    ``--proposed`` option reads, in ``tmp_path``."""

    def write(policy: dict[str, Any], name: str = "proposed.json") -> Path:
        f = tmp_path / name
        f.write_text(json.dumps(policy), encoding="utf-8")
        return f

    return write


@pytest.fixture
def bundle_without_users(tmp_path: Path) -> Path:
    """The example tenant without ``directory.yaml`` at ``tmp_path/bundle`` (a scenario in
    ``tmp_path`` names it ``tenant: bundle``): a policy export with no directory users."""
    b = tmp_path / "bundle"
    shutil.copytree(CONTOSO, b)
    (b / "directory.yaml").unlink()
    return b
