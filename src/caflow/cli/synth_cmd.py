"""``caflow synth --out DIR``: a seeded synthetic tenant bundle and sign-in log (tests, benchmarks,
trying ``caflow replay`` without a tenant)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from caflow.cli.options import choice_option, choice_parser

__all__ = ["register"]


class SynthFormat(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"
    loganalytics = "loganalytics"


EPILOG = (
    "Examples:\n\n"
    "  caflow synth --out demo --users 200 --sign-ins 5000\n"
    "  caflow replay --logs demo/signins.parquet --bundle demo/bundle --no-store\n\n"
    "--log-format: parquet (flat Graph field names), jsonl (Graph /auditLogs/signIns JSON Lines) or "
    "loganalytics (SigninLogs / AADNonInteractiveUserSignInLogs / ... rows as JSON Lines). The "
    "same --seed writes the same bytes; --users 2000 --sign-ins 1000000 makes a load test.\n\n"
    "Exit codes: 0 written, 2 bad option or unwritable --out."
)


def synth(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write bundle/ and the log into."),
    users: int = typer.Option(500, "--users", min=10, help="Users (5% guests)."),
    sign_ins: int = typer.Option(10_000, "--sign-ins", min=0, help="Sign-in records."),
    policies: int = typer.Option(60, "--policies", min=1, max=150, help="Policies (1-150)."),
    log_format: SynthFormat = choice_option(
        SynthFormat, SynthFormat.parquet, "--log-format", help="Format of the sign-in log file."
    ),
    # ``--format`` is the report format on every other verb (docs/output.md): synth's was the
    # log's, so it became --log-format; the old spelling still works, hidden and deprecated.
    old_format: SynthFormat | None = typer.Option(
        None, "--format", "-f", hidden=True, parser=choice_parser(SynthFormat)
    ),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    connections: int | None = typer.Option(
        None,
        "--connections",
        min=1,
        help="Power Platform connections, in the admin API shape (default: 1-3 per flow maker).",
    ),
    flows: int | None = typer.Option(
        None, "--flows", min=0, help="Flows with --connections (default: half as many)."
    ),
) -> None:
    """Generate a realistic synthetic tenant and sign-in log."""
    from caflow.cli.common import err_console, guard
    from caflow.errors import InputError

    with guard():
        # By name: typer may bring its own copy of click's ParameterSource enum.
        source = ctx.get_parameter_source("log_format")
        given = source is not None and source.name != "DEFAULT"
        fmt = _log_format(log_format, old_format, given=given)
        if out.exists() and any(out.iterdir()):
            raise InputError(
                "folder is not empty", file=str(out), expected="a new or empty --out folder"
            )
        from caflow.replay.synth import synth as generate

        try:
            info = generate(
                out,
                users=users,
                sign_ins=sign_ins,
                fmt=fmt.value,
                seed=seed,
                policies=policies,
                connections=connections,
                flows=flows,
            )
        except OSError as exc:
            raise InputError(
                "cannot write", file=str(out), expected="a writable folder", got=exc.strerror
            ) from None
        err_console.print(
            f"synth: {info.users:,} users ({info.guests:,} guests), {info.groups} groups, "
            f"{info.devices:,} devices, {info.policies} policies, {info.connections:,} "
            f"connections, {info.flows:,} flows -> {out / 'bundle'}; {info.sign_ins:,} sign-ins "
            f"-> {info.log}",
            highlight=False,
            markup=False,
        )


def _log_format(log_format: SynthFormat, old: SynthFormat | None, *, given: bool) -> SynthFormat:
    """``--log-format``, or the deprecated ``--format``/``-f`` with a note; both (``given``:
    --log-format was on the command line) is exit 2."""
    from caflow.cli.common import err_console
    from caflow.errors import InputError

    if old is None:
        return log_format
    if given:
        raise InputError(
            "give --log-format only",
            file="--format",
            expected="--log-format (synth's --format is its deprecated spelling)",
        )
    err_console.print(
        f"note: synth --format (-f) is deprecated: use --log-format {old.value} (--format is "
        "the report format on every other verb)",
        highlight=False,
        markup=False,
    )
    return old


def register(app: typer.Typer) -> None:
    app.command(epilog=EPILOG)(synth)
