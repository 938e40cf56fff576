"""The composite GitHub Action (`action.yml`): its check step, run with bash in a scratch git
repository shaped like a policy repository (baseline branch + pull request commit), with the
GitHub runner's environment files. setup-python, pip install and `gh` are GitHub's own steps
and are not run here; caflow comes from this environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.examples_paths import CONTOSO

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
CA014 = "tenant/policies/CA014-Require-MFA-for-Microsoft-Flow-Service.json"


def _step(step_id: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A policy repository: `main` holds the Contoso bundle under tenant/; HEAD is a PR branch."""
    repo = tmp_path / "policies-repo"
    repo.mkdir()
    shutil.copytree(CONTOSO, repo / "tenant")
    (repo / "README.md").write_text("policies\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    _git(repo, "checkout", "-q", "-b", "pr")
    return repo


def _commit(repo: Path) -> None:
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "change")


def run_check_step(
    repo: Path, tmp_path: Path, extra_env: dict[str, str] | None = None, **inputs: str
) -> tuple[dict[str, str], str]:
    """Run the action's `check` step as the runner would; returns (outputs, job summary)."""
    step = _step("check")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GITHUB_") and k != "CAFLOW_DOCS_BASE_URL"
    }
    env.update(extra_env or {})
    env.update(
        {
            "BUNDLE": inputs.get("bundle", "tenant"),
            "BASE_REF": inputs.get("base_ref", "main"),
            "HORIZON": "P30D",
            "SARIF": inputs.get("sarif", "false"),
            "RUNNER_TEMP": str(tmp_path / "runner-temp"),
            "GITHUB_OUTPUT": str(tmp_path / "github-output"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary"),
            "PATH": str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        }
    )
    (tmp_path / "runner-temp").mkdir(exist_ok=True)
    res = subprocess.run(
        ["bash", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr  # the step itself never fails; the last step does
    outputs = dict(
        line.split("=", 1)
        for line in (tmp_path / "github-output").read_text().splitlines()
        if "=" in line
    )
    summary_file = tmp_path / "step-summary"
    return outputs, summary_file.read_text() if summary_file.exists() else ""


def test_breaking_policy_change_is_exit_1_with_the_plan_posted(repo: Path, tmp_path: Path) -> None:
    policy = json.loads((repo / CA014).read_text())
    policy["state"] = "enabled"
    (repo / CA014).write_text(json.dumps(policy, indent=2))
    _commit(repo)
    outputs, summary = run_check_step(repo, tmp_path, sarif="true")
    assert outputs["exit-code"] == "1"
    plan = Path(outputs["plan"]).read_text()
    assert "will be enabled" in plan and "grace-approvals" in plan
    assert summary == plan  # the job summary shows the same Markdown the PR comment gets
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0"
    assert not (tmp_path / "runner-temp" / "caflow" / "baseline").exists()  # worktree removed
    # without the action's repository and ref, rule links stay repository-relative
    assert all("helpUri" not in r for r in sarif["runs"][0]["tool"]["driver"]["rules"])


def test_rule_links_point_to_the_actions_own_repository(repo: Path, tmp_path: Path) -> None:
    """Review of issue 12: where the runner names the action's repository and ref, the rule
    links of the plan and SARIF are absolute URLs into that repository's docs."""
    policy = json.loads((repo / CA014).read_text())
    policy["state"] = "enabled"
    (repo / CA014).write_text(json.dumps(policy, indent=2))
    _commit(repo)
    env = {
        "ACTION_REPOSITORY": "acme/caflow",
        "ACTION_REF": "v1.2.0",
        "SERVER_URL": "https://github.example.com",
    }
    outputs, _ = run_check_step(repo, tmp_path, extra_env=env, sarif="true")
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    base = "https://github.example.com/acme/caflow/blob/v1.2.0/"
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules and all(
        r["helpUri"].startswith(f"{base}docs/") and r["helpUri"].endswith("#" + r["id"])
        for r in rules
    )


def test_change_outside_the_bundle_checks_nothing(repo: Path, tmp_path: Path) -> None:
    (repo / "README.md").write_text("edited\n")
    _commit(repo)
    outputs, _ = run_check_step(repo, tmp_path)
    assert outputs["exit-code"] == ""
    assert "nothing to check" in Path(outputs["plan"]).read_text()


def test_deleted_policy_proposes_the_whole_bundle(repo: Path, tmp_path: Path) -> None:
    (repo / "tenant/policies/CA001-Block-legacy-authentication.json").unlink()
    _commit(repo)
    outputs, _ = run_check_step(repo, tmp_path)
    plan = Path(outputs["plan"]).read_text()
    assert "will be destroyed" in plan and "CA001" in plan
    assert outputs["exit-code"] in ("0", "1")


def test_unparsable_policy_is_exit_2_with_the_error_posted(repo: Path, tmp_path: Path) -> None:
    (repo / CA014).write_text('{"id": "broken", ')
    _commit(repo)
    outputs, summary = run_check_step(repo, tmp_path)
    assert outputs["exit-code"] == "2"
    plan = Path(outputs["plan"]).read_text()
    assert "could not read the change" in plan and "CA014" in plan
    assert summary == plan


def test_action_installs_caflow_from_its_own_checkout() -> None:
    install = _step("install")
    assert install["env"]["CAFLOW_SOURCE"] == "${{ github.action_path }}"
    assert '"$CAFLOW_SOURCE"' in install["run"]
    # inputs reach scripts through env, never pasted into the script (script injection)
    for step in ACTION["runs"]["steps"]:
        assert "${{ inputs." not in step.get("run", ""), step.get("name")


def test_example_workflow_uses_only_the_actions_inputs_and_outputs() -> None:
    import re

    from tests.examples_paths import EXAMPLES

    text = (EXAMPLES / "ci" / "caflow-check.yml").read_text()
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["check"]["steps"]
    (uses,) = [s for s in steps if "/caflow@" in s.get("uses", "")]
    assert set(uses.get("with", {})) <= set(ACTION["inputs"])
    pattern = r"steps\." + re.escape(uses["id"]) + r"\.outputs\.([\w-]+)"
    referenced = set(re.findall(pattern, text))
    assert referenced and referenced <= set(ACTION["outputs"])
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0


# -- the comment step, with a stand-in for GitHub's `gh` CLI ----------------------------------

FAKE_GH = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if os.environ.get("GH_FAIL"):
    sys.stderr.write("HTTP 403: Resource not accessible by integration\\n")
    sys.exit(1)
if args[:2] == ["api", "--paginate"]:
    print(os.environ.get("GH_EXISTING", ""), end="")
"""


def run_comment_step(
    tmp_path: Path, *, head_repo: str = "contoso/policies", **env_extra: str
) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    """Run the `comment` step with a fake `gh` first on PATH; returns the result and the `gh`
    calls (argument lists) it made."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    plan = tmp_path / "plan.md"
    plan.write_text("## caflow check — ⛔ breaks something\n")
    (tmp_path / "runner-temp" / "caflow").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
    env.update(
        {
            "GH_TOKEN": "t",
            "PR": "7",
            "PLAN": str(plan),
            "REPO": "contoso/policies",
            "HEAD_REPO": head_repo,
            "RUNNER_TEMP": str(tmp_path / "runner-temp"),
            "GH_LOG": str(tmp_path / "gh.log"),
            "PATH": str(bin_dir) + os.pathsep + env.get("PATH", ""),
            **env_extra,
        }
    )
    res = subprocess.run(
        ["bash", "-c", _step("comment")["run"]], env=env, capture_output=True, text=True
    )
    log = tmp_path / "gh.log"
    calls = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    return res, calls


def test_first_push_posts_one_comment_with_the_marker(tmp_path: Path) -> None:
    res, calls = run_comment_step(tmp_path)
    assert res.returncode == 0, res.stderr
    assert calls[-1][:3] == ["pr", "comment", "7"] and "--body-file" in calls[-1]
    body = Path(calls[-1][calls[-1].index("--body-file") + 1]).read_text()
    assert body.startswith("<!-- caflow check -->\n## caflow check")
    assert "posted the plan comment" in res.stdout


def test_later_pushes_edit_caflows_comment_instead_of_adding_one(tmp_path: Path) -> None:
    res, calls = run_comment_step(tmp_path, GH_EXISTING="111\n222\n")
    assert res.returncode == 0, res.stderr
    assert not any(c[:2] == ["pr", "comment"] for c in calls)  # no new comment
    patch = calls[-1]
    assert patch[:3] == ["api", "--method", "PATCH"]
    assert patch[3] == "repos/contoso/policies/issues/comments/222"  # caflow's latest comment
    assert "updated the plan comment (222)" in res.stdout
    # Only comments starting with caflow's marker are candidates (never another bot's).
    listing = calls[0]
    assert 'startswith("<!-- caflow check -->")' in listing[listing.index("--jq") + 1]


def test_fork_pull_request_skips_the_comment_with_a_clear_line(tmp_path: Path) -> None:
    res, calls = run_comment_step(tmp_path, head_repo="someone/policies")
    assert res.returncode == 0 and calls == []
    assert "::notice::caflow: pull request from the fork someone/policies" in res.stdout
    assert "job summary" in res.stdout


def test_a_comment_that_cannot_be_posted_never_fails_the_job(tmp_path: Path) -> None:
    res, calls = run_comment_step(tmp_path, GH_FAIL="1")
    assert res.returncode == 0 and calls
    assert "::warning::caflow: could not post the plan comment" in res.stdout
    step = _step("comment")
    assert step["continue-on-error"] is True
