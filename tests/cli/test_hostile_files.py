"""Hostile bundles through the CLI (issue 8 parts 1-2, SECURITY.md): confinement to the bundle
folder, zip limits checked before decompressing, nesting and YAML alias budgets. Each class is
exercised with several variants; every refusal is exit 2, one line, naming the file, never
echoing a file's content, and fast."""

from __future__ import annotations

import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from tests.examples_paths import CONTOSO, SCENARIOS
from tests.hang_guard import HANG_GUARD_SECONDS
from typer.testing import CliRunner

from caflow.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SECRET = "CANARY-d41d8cd98f00b204e980"
runner = CliRunner()


def run(*args: str):
    started = time.monotonic()
    res = runner.invoke(app, [*args])
    res.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
    return res


def advise(bundle: Path):
    return run("advise", str(bundle), "--format", "json")


def assert_refused(res, *names: str, code: str | None = None) -> None:
    """Exit 2, one line, naming the file(s), no traceback, no secret."""
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert err.startswith("error: "), err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert SECRET not in res.output
    for name in names:
        assert name in err, err
    if code:
        assert f"[{code}]" in err, err
    assert res.elapsed < HANG_GUARD_SECONDS  # type: ignore[attr-defined]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    b = tmp_path / "bundle"
    shutil.copytree(CONTOSO, b)
    return b


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    """Files outside the bundle a CI runner could hold (tokens, env files)."""
    d = tmp_path / "runner-secrets"
    d.mkdir()
    (d / "token.json").write_text(json.dumps({"token": SECRET}))
    (d / "env.yaml").write_text(f"GITHUB_TOKEN: {SECRET}\n")
    (d / "creds").write_text(f"[default]\naws_secret_access_key = {SECRET}\n")
    return d


# -- confinement ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("policies/CA099-evil.json", "token.json"),
        ("tenant.yaml", "env.yaml"),
        ("namedLocations.json", "creds"),
        ("powerplatform/connections.json", "token.json"),
    ],
)
def test_symlink_to_a_file_outside_the_bundle_is_refused(
    bundle: Path, secret_dir: Path, link: str, target: str
) -> None:
    path = bundle / link
    path.unlink(missing_ok=True)
    path.symlink_to(secret_dir / target)
    res = advise(bundle)
    assert_refused(res, link, code="unsafe-path")
    assert "outside the bundle" in res.stderr


def test_relative_symlink_escaping_with_dotdot_is_refused(bundle: Path, secret_dir: Path) -> None:
    (bundle / "policies" / "x.json").symlink_to(Path("..") / ".." / secret_dir.name / "token.json")
    assert_refused(advise(bundle), "policies/x.json", code="unsafe-path")


def test_symlinked_folder_outside_the_bundle_is_refused(bundle: Path, secret_dir: Path) -> None:
    (bundle / "agreements").symlink_to(secret_dir, target_is_directory=True)
    assert_refused(advise(bundle), "agreements", code="unsafe-path")


def test_dangling_and_looping_symlinks_are_refused(bundle: Path) -> None:
    (bundle / "policies" / "gone.json").symlink_to(bundle / "nowhere.json")
    assert_refused(advise(bundle), "gone.json", code="unsafe-path")
    (bundle / "policies" / "gone.json").unlink()
    (bundle / "policies" / "a.json").symlink_to(bundle / "policies" / "b.json")
    (bundle / "policies" / "b.json").symlink_to(bundle / "policies" / "a.json")
    assert_refused(advise(bundle), "policies/a.json", code="unsafe-path")


def test_symlink_inside_the_bundle_is_read(bundle: Path) -> None:
    """Confinement is about where the real file is: a link within the bundle is fine."""
    (bundle / "shared").mkdir()
    shutil.move(bundle / "namedLocations.json", bundle / "shared" / "namedLocations.json")
    (bundle / "namedLocations.json").symlink_to(Path("shared") / "namedLocations.json")
    res = advise(bundle)
    assert res.exit_code in (0, 1), res.output


def test_fifo_in_the_bundle_is_refused_without_blocking(bundle: Path) -> None:
    os.mkfifo(bundle / "policies" / "CA100-pipe.json")
    assert_refused(advise(bundle), "CA100-pipe.json", code="unsafe-path")


def test_request_file_that_is_a_fifo_or_device_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "request.json"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        res = run("whatif", str(CONTOSO), "--request", str(path))
        assert_refused(res, str(path), code="unsafe-path")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tenant.yaml", f"id: {SECRET}\nsettings: [{SECRET}]\n"),
        ("tenant.yaml", f"- {SECRET}\n"),
        ("namedLocations.json", json.dumps([{"id": "x", "ipRanges": [SECRET]}])),
        ("policies/CA001-Block-legacy-authentication.json", json.dumps({"id": SECRET})),
        ("policies/CA001-Block-legacy-authentication.json", f'{{"a": "{SECRET}"'),
        ("tenant.yaml", f"a: !!python/object/apply:os.system ['{SECRET}']\n"),
        ("tenant.yaml", f"a: *{SECRET}\n"),
        ("tenant.yaml", f"a: [{SECRET}\n"),
        ("agreements.json", json.dumps([{"id": "a", "userReacceptRequiredFrequency": SECRET}])),
    ],
)
def test_errors_never_echo_file_content(bundle: Path, name: str, content: str) -> None:
    (bundle / name).write_text(content)
    res = advise(bundle)
    assert res.exit_code == 2, res.output
    assert SECRET not in res.output
    assert name in res.stderr


# -- zip archives ---------------------------------------------------------------------------


def _zip_bundle(path: Path, extra: dict[str, bytes] | None = None, **kw) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kw) as zf:
        for f in sorted(CONTOSO.rglob("*.json")) + sorted(CONTOSO.glob("*.yaml")):
            zf.write(f, f.relative_to(CONTOSO).as_posix())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(("members", "size_mib"), [(1, 300), (1, 2048), (3, 3 * 1024)])
def test_zip_bomb_is_refused_before_decompressing(
    tmp_path: Path, members: int, size_mib: int
) -> None:
    """Declared sizes are checked from the central directory: members claiming GiBs are refused
    at once (a 9.6 MB -> 9.4 GiB archive is emulated by patching the declared sizes)."""
    names = [f"powerplatform/flows/big{i}.json" for i in range(members)]
    z = _zip_bundle(tmp_path / "bomb.zip", {n: b"[" + b" " * 50_000 + b"]" for n in names})
    for n in names:
        _patch_declared_size(z, n, size_mib * 1024 * 1024 - 1)
    res = advise(z)
    assert_refused(res, "bomb.zip")
    assert "[limit-exceeded]" in res.stderr or "[file-too-large]" in res.stderr


def test_highly_compressed_member_is_refused(tmp_path: Path) -> None:
    z = _zip_bundle(
        tmp_path / "ratio.zip", {"policies/zeros.json": b"[" + b" " * 20_000_000 + b"]"}
    )
    assert_refused(advise(z), "ratio.zip!policies/zeros.json", code="limit-exceeded")


def test_many_members_add_up_to_the_archive_limit(tmp_path: Path) -> None:
    """Each member is plausible (~25 MB, ~50:1); together they exceed the archive budget."""
    rnd = os.urandom(300_000).hex()
    blob = b"".join(rnd[i * 6 : (i + 1) * 6].encode() + b" " * 250 for i in range(100_000))
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i in range(11):
            zf.writestr(f"policies/p{i}.json", blob)
    res = advise(z)
    assert_refused(res, "many.zip", code="limit-exceeded")
    assert "expand to more than" in res.stderr


def _patch_declared_size(z: Path, member: str, size: int) -> None:
    """Rewrite a member's uncompressed size in both headers (what a crafted bomb declares)."""
    data = bytearray(z.read_bytes())
    name = member.encode()
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            start = i + 4
            name_at = i + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[i + off : i + off + 4] = size.to_bytes(4, "little")
    z.write_bytes(bytes(data))


def test_corrupt_member_names_archive_and_member(tmp_path: Path) -> None:
    z = _zip_bundle(
        tmp_path / "corrupt.zip",
        {"policies/zz.json": json.dumps({"id": "x"} | {f"k{i}": i for i in range(500)}).encode()},
    )
    data = bytearray(z.read_bytes())
    name = b"policies/zz.json"
    i = data.find(b"PK\x03\x04" + bytes(data[data.find(name) - 26 : data.find(name) - 26][:0]))
    at = data.find(name) + len(name) + 10
    data[at : at + 40] = b"\xff" * 40  # garbage in the deflate stream
    z.write_bytes(bytes(data))
    del i
    assert_refused(advise(z), "corrupt.zip!policies/zz.json", code="parse-error")


def test_encrypted_member_is_refused(tmp_path: Path) -> None:
    z = _zip_bundle(tmp_path / "enc.zip", {"policies/secret.json": b'{"id": "x"}'})
    data = bytearray(z.read_bytes())
    name = b"policies/secret.json"
    for sig, flag_off, name_off in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            start = i + 4
            if data[i + name_off : i + name_off + len(name)] == name:
                data[i + flag_off] |= 0x1
    z.write_bytes(bytes(data))
    assert_refused(advise(z), "enc.zip!policies/secret.json", code="unsafe-path")


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_unsupported_compression_method_is_refused(tmp_path: Path, method: int) -> None:
    z = _zip_bundle(tmp_path / "m.zip", {"policies/odd.json": b'{"id": "x"}'})
    data = bytearray(z.read_bytes())
    name = b"policies/odd.json"
    for sig, method_off, name_off in ((b"PK\x03\x04", 8, 30), (b"PK\x01\x02", 10, 46)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            start = i + 4
            if data[i + name_off : i + name_off + len(name)] == name:
                data[i + method_off : i + method_off + 2] = (99).to_bytes(2, "little")
    z.write_bytes(bytes(data))
    assert_refused(advise(z), "m.zip!policies/odd.json", code="unsafe-path")


@pytest.mark.parametrize(
    "member", ["../evil/tenant.yaml", "/etc/tenant.yaml", "policies/../../x.json"]
)
def test_member_paths_leaving_the_archive_are_refused(tmp_path: Path, member: str) -> None:
    z = _zip_bundle(tmp_path / "slip.zip", {member: b"id: x\n"})
    assert_refused(advise(z), "slip.zip!", code="unsafe-path")


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    z = _zip_bundle(tmp_path / "link.zip")
    with zipfile.ZipFile(z, "a") as zf:
        info = zipfile.ZipInfo("policies/link.json")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    assert_refused(advise(z), "link.zip!policies/link.json", code="unsafe-path")


@pytest.mark.parametrize("wrapper", ["", "contoso\\"])
def test_windows_backslash_member_paths_load(tmp_path: Path, wrapper: str) -> None:
    z = tmp_path / "win.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(CONTOSO.rglob("*")):
            if f.is_file() and f.suffix in (".json", ".yaml"):
                zf.writestr(
                    wrapper + str(f.relative_to(CONTOSO)).replace("/", "\\"), f.read_bytes()
                )
    res_zip = advise(z)
    res_dir = advise(CONTOSO)
    assert res_zip.exit_code == res_dir.exit_code, res_zip.output
    a, b = json.loads(res_zip.stdout), json.loads(res_dir.stdout)
    assert [f["status"] for f in a["findings"]] == [f["status"] for f in b["findings"]]


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    for content in (b"PK\x03\x04 broken", b"", os.urandom(2000)):
        z = tmp_path / "b.zip"
        z.write_bytes(content)
        assert_refused(advise(z), "b.zip", code="parse-error")


# -- bounded work: nesting and aliases --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("policies/deep.json", "[" * 900 + "]" * 900),
        ("policies/deep.json", '{"a":' * 500 + "1" + "}" * 500),
        ("policies/deep.json", "[" * 100_000),
        ("tenant.yaml", "settings: " + "[" * 900 + "]" * 900 + "\n"),
        ("tenant.yaml", "".join("  " * i + "a:\n" for i in range(300)) + "  " * 300 + "b\n"),
        ("directory.yaml", "users:\n  " + "- " * 500 + "x\n"),
    ],
)
def test_deep_nesting_is_one_clean_error(bundle: Path, name: str, content: str) -> None:
    (bundle / name).write_text(content)
    res = advise(bundle)
    assert_refused(res, name, code="limit-exceeded")
    assert "nested more than 100 levels" in res.stderr


def _laughs(levels: int, fan: int) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tenant.yaml", _laughs(9, 9)),  # the classic 1 KB billion laughs
        ("directory.yaml", _laughs(30, 2)),  # 2^30 by doubling
        ("agreements.json", _laughs(10, 5)),  # YAML content in a .json file
        ("policies/bomb.yaml", _laughs(12, 4)),
    ],
)
def test_yaml_alias_bomb_is_refused_at_once(bundle: Path, name: str, content: str) -> None:
    assert len(content) < 4096
    (bundle / name).write_text(content)
    res = advise(bundle)
    assert_refused(res, name, code="limit-exceeded")
    assert res.elapsed < HANG_GUARD_SECONDS  # type: ignore[attr-defined]


def test_self_referencing_alias_is_refused(bundle: Path) -> None:
    for content in ("a: &a [*a]\n", "a: &a {b: *a}\n"):
        (bundle / "tenant.yaml").write_text(content)
        assert_refused(advise(bundle), "tenant.yaml", code="limit-exceeded")


def test_modest_aliases_still_load(tmp_path: Path) -> None:
    """Anchors for shared blocks are legitimate YAML: a few aliases load normally."""
    scenario = SCENARIOS / "effect1-future-runs.yaml"
    text = "x-shared: &shared {note: reused}\nx-copy: *shared\n" + scenario.read_text()
    copy = tmp_path / "s.yaml"
    copy.write_text(text)
    res = run("simulate", str(copy), "--json")
    assert res.exit_code in (0, 1, 2)
    assert "limit-exceeded" not in res.output
