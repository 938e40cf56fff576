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


def _outputs(path: Path) -> dict[str, str]:
    """A step's GITHUB_OUTPUT file (`name=value` lines)."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "GH_")) and k != "CAFLOW_DOCS_BASE_URL"
    }


def run_check_step(
    repo: Path, tmp_path: Path, docs_base: str = "", **inputs: str
) -> tuple[dict[str, str], str]:
    """Run the action's `check` step as the runner would; returns (outputs, job summary).
    `docs_base` is the docs step's `base-url` output, which the step's env maps to
    CAFLOW_DOCS_BASE_URL (empty when the docs step found none)."""
    step = _step("check")
    assert step["env"]["CAFLOW_DOCS_BASE_URL"] == "${{ steps.docs.outputs.base-url }}"
    env = _clean_env()
    env.update(
        {
            "CAFLOW_DOCS_BASE_URL": docs_base,
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
    outputs = _outputs(tmp_path / "github-output")
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
    """Review of issue 12 / issue 9: the docs step names this action's repository and ref
    (from where the runner downloaded it) and the check step's plan and SARIF link there."""
    policy = json.loads((repo / CA014).read_text())
    policy["state"] = "enabled"
    (repo / CA014).write_text(json.dumps(policy, indent=2))
    _commit(repo)
    base, _ = run_docs_step(
        tmp_path,
        ACTION_PATH="/home/runner/work/_actions/acme/caflow/v1.2.0",
        SERVER_URL="https://github.example.com",
    )
    assert base == "https://github.example.com/acme/caflow/blob/v1.2.0/"
    outputs, _ = run_check_step(repo, tmp_path, docs_base=base, sarif="true")
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules and all(
        r["helpUri"].startswith(f"{base}docs/") and r["helpUri"].endswith("#" + r["id"])
        for r in rules
    )
    plan = Path(outputs["plan"]).read_text()
    assert f"]({base}docs/" in plan  # the PR comment links resolve outside caflow's repository


def test_a_docs_base_url_that_is_not_a_url_is_bad_input(repo: Path, tmp_path: Path) -> None:
    """The docs-base-url input reaches caflow unchanged on one line; caflow's own check
    (exit 2 naming the variable) decides, and the plan posts the error."""
    policy = json.loads((repo / CA014).read_text())
    policy["state"] = "enabled"
    (repo / CA014).write_text(json.dumps(policy, indent=2))
    _commit(repo)
    base, log = run_docs_step(tmp_path, DOCS_BASE_URL_INPUT="https://a.example/x\nevil=1")
    assert base == "https://a.example/x evil=1" and "the docs-base-url input" in log
    outputs, summary = run_check_step(repo, tmp_path, docs_base=base)
    assert outputs["exit-code"] == "2"
    assert "$CAFLOW_DOCS_BASE_URL" in summary and "absolute http(s) URL" in summary


# -- the docs step: where rule links point -----------------------------------------------------

SHA = "0123456789abcdef0123456789abcdef01234567"
WS = "/home/runner/work/policies/policies"


def run_docs_step(tmp_path: Path, **env_extra: str) -> tuple[str, str]:
    """Run the action's `docs` step as the runner would (its `env:` mapping given as the
    runner evaluates it); returns (the `base-url` output, the step's log)."""
    step = _step("docs")
    out = tmp_path / "docs-output"
    out.unlink(missing_ok=True)
    env = _clean_env()
    env.update(
        {
            "DOCS_BASE_URL_INPUT": "",
            "ACTION_PATH": "",
            "WORKSPACE": WS,
            "REPOSITORY": "contoso/policies",
            "SHA": SHA,
            "SERVER_URL": "https://github.com",
            "GITHUB_OUTPUT": str(out),
            **env_extra,
        }
    )
    res = subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    outputs = _outputs(out)
    assert list(outputs) == ["base-url"]  # one line: nothing else injected
    return outputs["base-url"], res.stdout


def test_docs_step_reads_the_runners_context_through_env_only() -> None:
    """github.action_path is "only supported in composite actions" (contexts reference) and is
    read through env like every input; github.action_repository / action_ref are not used
    (empty in a composite's run, the outer action's through env: actions/runner#2473)."""
    step = _step("docs")
    assert step["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert step["env"]["DOCS_BASE_URL_INPUT"] == "${{ inputs.docs-base-url }}"
    text = (ROOT / "action.yml").read_text()
    code = "\n".join(line.split("#")[0] for line in text.splitlines())
    assert "action_repository" not in code and "action_ref" not in code
    assert "${{" not in step["run"]
    ids = [s.get("id") for s in ACTION["runs"]["steps"]]
    assert ids.index("docs") < ids.index("check")


@pytest.mark.parametrize(
    ("action_path", "server", "expected"),
    [
        # GitHub-hosted Linux runner: <work>/_actions/<owner>/<repo>/<ref>
        (
            "/home/runner/work/_actions/acme/caflow/v1.2.0",
            "https://github.com",
            "https://github.com/acme/caflow/blob/v1.2.0/",
        ),
        # a self-hosted runner, GitHub Enterprise Server, a branch with "/" in its name
        (
            "/opt/runner/_work/_actions/Acme-Corp/caflow.fork/feature/clouds",
            "https://ghes.example.com/",
            "https://ghes.example.com/Acme-Corp/caflow.fork/blob/feature/clouds/",
        ),
        # a container job's path, a full commit SHA as ref
        (
            f"/__w/_actions/acme/caflow/{SHA}",
            "https://github.com",
            f"https://github.com/acme/caflow/blob/{SHA}/",
        ),
        # a Windows runner (bash sees the runner's backslashes)
        (
            "D:\\a\\_actions\\acme\\caflow\\v1",
            "https://github.com",
            "https://github.com/acme/caflow/blob/v1/",
        ),
    ],
)
def test_remote_action_links_to_its_own_repository_and_ref(
    tmp_path: Path, action_path: str, server: str, expected: str
) -> None:
    base, log = run_docs_step(tmp_path, ACTION_PATH=action_path, SERVER_URL=server)
    assert base == expected
    assert f"rule links point to {expected}" in log and "download folder" in log


def test_local_action_links_to_the_workflows_repository_at_its_commit(
    repo: Path, tmp_path: Path
) -> None:
    # `uses: ./` - the action is the checked-out workspace
    base, log = run_docs_step(tmp_path, ACTION_PATH=str(repo), WORKSPACE=str(repo))
    assert base == f"https://github.com/contoso/policies/blob/{SHA}/"
    assert "local action at the workspace root" in log
    # `uses: ./tools/caflow` - a folder of the same repository
    (repo / "tools/caflow").mkdir(parents=True)
    (repo / "tools/caflow/action.yml").write_text("name: caflow\n")
    base, _ = run_docs_step(tmp_path, ACTION_PATH=str(repo / "tools/caflow"), WORKSPACE=str(repo))
    assert base == f"https://github.com/contoso/policies/blob/{SHA}/tools/caflow/"
    # `uses: ./caflow` after actions/checkout of ANOTHER repository into ./caflow: not the
    # workflow's repository, and its own is unknown - relative links, not a wrong URL
    other = repo / "caflow"
    other.mkdir()
    _git(other, "init", "-q")
    base, log = run_docs_step(tmp_path, ACTION_PATH=str(other), WORKSPACE=str(repo))
    assert base == "" and "stay relative" in log


def test_input_wins_then_the_workflows_variable_then_the_action_path(tmp_path: Path) -> None:
    remote = "/home/runner/work/_actions/acme/caflow/v1"
    given = "https://docs.example.org/caflow/"
    env_url = "https://git.example.org/acme/caflow/blob/v1/"
    base, log = run_docs_step(
        tmp_path, ACTION_PATH=remote, DOCS_BASE_URL_INPUT=given, CAFLOW_DOCS_BASE_URL=env_url
    )
    assert base == given and "the docs-base-url input" in log
    base, log = run_docs_step(tmp_path, ACTION_PATH=remote, CAFLOW_DOCS_BASE_URL=env_url)
    assert base == env_url and "CAFLOW_DOCS_BASE_URL set by the workflow" in log
    base, _ = run_docs_step(tmp_path, ACTION_PATH=remote)
    assert base == "https://github.com/acme/caflow/blob/v1/"


@pytest.mark.parametrize(
    ("action_path", "env_extra"),
    [
        ("", {}),  # no action path at all
        ("/tmp/somewhere/caflow", {}),  # not the runner's download folder, not the workspace
        ("/home/runner/work/_actions/acme", {}),  # no repository
        ("/home/runner/work/_actions/acme/caflow", {}),  # no ref
        ("/home/runner/work/_actions/acme/caflow/", {}),
        ("/home/runner/work/_actions/-acme/caflow/v1", {}),  # not a GitHub owner
        ("/home/runner/work/_actions/ac me/caflow/v1", {}),
        ("/home/runner/work/_actions/acme/caflow/v1/../../evil", {}),
        ("/home/runner/work/_actions/acme/caflow/v1?x=1", {}),
        ("/x/_actions/work/_actions/acme/caflow/v1", {}),  # two "_actions": ambiguous
        (WS, {"SHA": "not-a-sha"}),  # local, but no commit to link to
        (WS, {"REPOSITORY": ""}),
    ],
)
def test_an_unrecognised_action_path_keeps_links_relative(
    tmp_path: Path, action_path: str, env_extra: dict[str, str]
) -> None:
    base, log = run_docs_step(tmp_path, ACTION_PATH=action_path, **env_extra)
    assert base == ""
    assert "rule links stay relative" in log and "docs-base-url" in log


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
    seen = {{k: os.environ.get(k) for k in ("GH_HOST", "GH_TOKEN", "GH_ENTERPRISE_TOKEN")}}
    log.write(json.dumps({{"args": args, "env": seen}}) + "\\n")
writes = args[:2] == ["pr", "comment"] or "PATCH" in args
if os.environ.get("GH_FAIL") or (os.environ.get("GH_READ_ONLY") and writes):
    sys.stderr.write("HTTP 403: Resource not accessible by integration\\n")
    sys.exit(1)
if args[:2] == ["api", "--paginate"]:
    print(os.environ.get("GH_EXISTING", ""), end="")
"""


def run_comment_step(
    tmp_path: Path, *, head_repo: str = "contoso/policies", **env_extra: str
) -> tuple[subprocess.CompletedProcess[str], list[list[str]], list[dict[str, str | None]]]:
    """Run the `comment` step with a fake `gh` first on PATH; returns the result, the `gh`
    calls (argument lists) it made and the gh environment of each call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    plan = tmp_path / "plan.md"
    plan.write_text("## caflow check — ⛔ breaks something\n")
    (tmp_path / "runner-temp" / "caflow").mkdir(parents=True, exist_ok=True)
    env = _clean_env()
    env.update(
        {
            "GH_TOKEN": "t",
            "GH_ENTERPRISE_TOKEN": "t",
            "SERVER_URL": "https://github.com",
            "EVENT": "pull_request",
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
    entries = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    return res, [e["args"] for e in entries], [e["env"] for e in entries]


def test_first_push_posts_one_comment_with_the_marker(tmp_path: Path) -> None:
    res, calls, envs = run_comment_step(tmp_path)
    assert res.returncode == 0, res.stderr
    assert calls[-1][:3] == ["pr", "comment", "7"] and "--body-file" in calls[-1]
    body = Path(calls[-1][calls[-1].index("--body-file") + 1]).read_text()
    assert body.startswith("<!-- caflow check -->\n## caflow check")
    assert "posted the plan comment" in res.stdout
    assert all(e["GH_HOST"] == "github.com" for e in envs)


def test_later_pushes_edit_caflows_comment_instead_of_adding_one(tmp_path: Path) -> None:
    res, calls, _ = run_comment_step(tmp_path, GH_EXISTING="111\n222\n")
    assert res.returncode == 0, res.stderr
    assert not any(c[:2] == ["pr", "comment"] for c in calls)  # no new comment
    patch = calls[-1]
    assert patch[:3] == ["api", "--method", "PATCH"]
    assert patch[3] == "repos/contoso/policies/issues/comments/222"  # caflow's latest comment
    assert patch[4:6] == ["-F", f"body=@{tmp_path}/runner-temp/caflow/comment.md"]
    assert "updated the plan comment (222)" in res.stdout
    # Only comments starting with caflow's marker are candidates (never another bot's).
    listing = calls[0]
    assert listing[:3] == ["api", "--paginate", "repos/contoso/policies/issues/7/comments"]
    assert 'startswith("<!-- caflow check -->")' in listing[listing.index("--jq") + 1]


def test_github_enterprise_server_comments_on_its_own_host(tmp_path: Path) -> None:
    """gh talks to github.com unless GH_HOST names another host, and reads
    GH_ENTERPRISE_TOKEN there (gh manual, "gh help environment")."""
    step = _step("comment")
    assert step["env"]["GH_TOKEN"] == step["env"]["GH_ENTERPRISE_TOKEN"] == "${{ inputs.token }}"
    res, calls, envs = run_comment_step(tmp_path, SERVER_URL="https://ghes.example.com")
    assert res.returncode == 0 and "posted the plan comment" in res.stdout
    assert calls and all(e["GH_HOST"] == "ghes.example.com" for e in envs)
    assert all(e["GH_ENTERPRISE_TOKEN"] == "t" for e in envs)


def test_fork_pull_request_with_a_read_only_token_says_so(tmp_path: Path) -> None:
    """A fork's pull_request run gets a read-only token: the comment fails, which is a notice
    naming the fork (the plan is in the job summary), not a warning and never a failure."""
    res, calls, _ = run_comment_step(tmp_path, head_repo="someone/policies", GH_READ_ONLY="1")
    assert res.returncode == 0 and calls[-1][:2] == ["pr", "comment"]
    assert "::notice::caflow: pull request from the fork someone/policies" in res.stdout
    assert "job summary" in res.stdout and "::warning::" not in res.stdout


def test_fork_pull_request_with_a_write_token_is_commented(tmp_path: Path) -> None:
    """pull_request_target (or a private repository sending write tokens to fork pull
    requests) can comment: a fork is tried, not skipped."""
    res, calls, _ = run_comment_step(
        tmp_path, head_repo="someone/policies", EVENT="pull_request_target"
    )
    assert res.returncode == 0 and "posted the plan comment" in res.stdout
    assert calls[-1][:3] == ["pr", "comment", "7"]


def test_a_comment_that_cannot_be_posted_never_fails_the_job(tmp_path: Path) -> None:
    res, calls, _ = run_comment_step(tmp_path, GH_FAIL="1")
    assert res.returncode == 0 and calls
    assert "::warning::caflow: could not post the plan comment" in res.stdout
    step = _step("comment")
    assert step["continue-on-error"] is True
