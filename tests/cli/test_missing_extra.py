"""A verb whose optional extra is not installed says how to install it (exit 2), naming what
could not be imported - never "got a string of 27 characters" or an internal error."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from caflow.cli.main import app
from caflow.errors import MissingExtraError, require_extra

runner = CliRunner()


@pytest.mark.parametrize("absent", ["fastapi", "uvicorn", "multipart"])
def test_serve_without_the_web_extra_says_how_to_install_it(
    absent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, absent, None)  # `import absent` now raises ImportError
    res = runner.invoke(app, ["serve"])
    assert res.exit_code == 2, res.output
    line = res.output.strip()
    assert line.startswith("error: caflow serve needs the web extra: pip install 'caflow[web]'")
    assert f"not importable: {absent}" in line and "[missing-extra]" in line
    assert "characters" not in line and "internal error" not in line


def test_a_present_but_broken_package_is_named_with_what_it_lacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``fastapi`` installed without ``starlette``: the import fails on the dependency."""
    for name in [m for m in sys.modules if m == "fastapi" or m.startswith("fastapi.")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [m for m in sys.modules if m == "starlette" or m.startswith("starlette.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "starlette", None)
    with pytest.raises(MissingExtraError) as err:
        require_extra("caflow serve", "web", ("fastapi",))
    assert "not importable: fastapi (needs starlette)" in str(err.value)


def test_replay_dask_without_the_dask_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from caflow.replay.scale import replay_dask

    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(MissingExtraError) as err:
        replay_dask([], [], [])  # type: ignore[arg-type]
    assert str(err.value).startswith(
        "--engine dask needs the dask extra: pip install 'caflow[dask]'"
    )
