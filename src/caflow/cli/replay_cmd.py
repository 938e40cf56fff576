"""``caflow replay --logs PATH... --bundle B [--proposed P]``: what would real sign-ins have done
under these policies? Counts per policy, the change a proposal makes, Flow Service connection
refreshes it breaks, agreement with the results the log recorded; stored in DuckDB."""

from __future__ import annotations

import os
import shutil
import tempfile
from enum import StrEnum
from pathlib import Path

import typer

from caflow.cli.options import choice_option, format_option, json_alias_option, pick_format

__all__ = ["register"]


class ReplayFormat(StrEnum):
    markdown = "markdown"
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


EPILOG = (
    "Examples:\n\n"
    "  caflow replay --logs examples/signins --bundle examples/contoso\n\n"
    "  caflow replay --logs examples/signins/signIns.jsonl \\\n"
    "      --bundle examples/contoso \\\n"
    "      --proposed examples/proposals/CA014-enabled.json \\\n"
    "      --since 2026-01-01 --until 2026-02-01 --format json -o replay.json\n\n"
    "  caflow replay --logs examples/signins --bundle examples/contoso -f table\n\n"
    "--logs: Graph sign-in JSON pages or JSON Lines, Log Analytics JSON/JSON Lines/CSV exports, "
    "Event Hub records, the Entra portal CSV download, Parquet (files or folders). "
    "--format parquet writes one row per sign-in (needs --output). --engine dask (with "
    "--scheduler tcp://HOST:8786, or a local cluster) evaluates Parquet logs on a Dask cluster "
    "(pip install 'caflow\\[dask]'). Results are also stored in "
    "DuckDB (--store, default .caflow/caflow.duckdb; --no-store to skip).\n\n"
    "Exit codes: 0 done, 2 bad input (unreadable log file, bundle error, bad option)."
)


def replay(
    logs: list[Path] = typer.Option(
        ..., "--logs", help="Sign-in log files or folders (repeatable)."
    ),
    bundle: Path = typer.Option(..., "--bundle", help="Tenant bundle (the baseline policies)."),
    proposed: list[Path] = typer.Option(
        [], "--proposed", help="Proposed bundle or policy file(s)/folder (repeatable)."
    ),
    since: str = typer.Option(None, "--since", help="Only sign-ins at or after this time."),
    until: str = typer.Option(None, "--until", help="Only sign-ins before this time."),
    at: str = typer.Option(
        None, "--at", help="Evaluation time (ToU expiry); default --until, else now."
    ),
    fmt: ReplayFormat = format_option(
        ReplayFormat,
        ReplayFormat.markdown,
        help="markdown (the summary), table (the same summary drawn for the terminal), json, "
        "csv (per-policy counters) or parquet (one row per sign-in; needs --output).",
    ),
    as_json: bool = json_alias_option(),
    output: Path = typer.Option(None, "--output", "-o", dir_okay=False, help="Write here."),
    store: Path = typer.Option(None, "--store", help="DuckDB file for the results."),
    no_store: bool = typer.Option(False, "--no-store", help="Do not store the results."),
    engine: Engine = choice_option(Engine, Engine.local, "--engine", help="Where to evaluate."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Dask scheduler address (with --engine dask)."
    ),
    max_listed: int = typer.Option(1000, "--max-listed", help="Rows listed per section."),
) -> None:
    """Replay sign-in logs against the bundle's (and a proposal's) Conditional Access policies."""
    import contextlib

    from caflow.cli.common import (
        err_console,
        guard,
        load_tenant,
        parse_when,
        writes_through,
    )
    from caflow.errors import InputError

    with guard():
        fmt = pick_format(fmt, as_json, ReplayFormat.markdown)
        if fmt == ReplayFormat.parquet and output is None:
            raise InputError(
                "missing option", file="--output", expected="a file path for --format parquet"
            )
        if scheduler and engine != Engine.dask:
            raise InputError("option needs --engine dask", file="--scheduler", got=scheduler)
        base = load_tenant(bundle)
        prop = None
        if proposed:
            from caflow.check import build_proposed

            prop = build_proposed(base, proposed)
        start = parse_when(since, option="--since") if since else None
        end = parse_when(until, option="--until") if until else None
        now = parse_when(at, default=(lambda: end) if end else None, option="--at")
        from caflow.store.replay import DEFAULT_STORE, open_run

        if output is not None:
            writes_through(output)  # refused before the work, as far as the inputs are known
        sinks = []
        parquet_writer = None
        tmp_parquet = None
        with contextlib.ExitStack() as stack:
            writer = None
            if not no_store:
                writer = stack.enter_context(open_run(store or DEFAULT_STORE))
                sinks.append(writer.add_signins)
            if fmt == ReplayFormat.parquet:
                import pyarrow.parquet as pq

                output.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
                os.close(fd)  # a fresh file of ours: never a planted symbolic link
                tmp_parquet = Path(name)

                def to_parquet(batch):
                    nonlocal parquet_writer
                    if parquet_writer is None:
                        parquet_writer = pq.ParquetWriter(tmp_parquet, batch.schema)
                    parquet_writer.write_batch(batch)

                sinks.append(to_parquet)
            progress = stack.enter_context(_progress(err_console))
            try:
                run = _run(
                    engine,
                    scheduler,
                    logs,
                    base,
                    prop,
                    now,
                    start,
                    end,
                    progress,
                    sinks,
                    max_listed,
                )
                if output is not None:
                    # The logs are read now: refuse an output onto one before anything is
                    # stored or written (the store's transaction rolls back).
                    writes_through(output)
            except BaseException:
                if tmp_parquet is not None:
                    if parquet_writer is not None:
                        parquet_writer.close()
                    tmp_parquet.unlink(missing_ok=True)
                raise
            result = run.to_json()
            if writer is not None:
                writer.finish(
                    result,
                    logs=";".join(map(str, logs)),
                    bundle=str(bundle),
                    proposed=";".join(map(str, proposed)),
                )
        _summary(err_console, result, None if no_store else (store or DEFAULT_STORE))
        _write(fmt, result, output, tmp_parquet, parquet_writer)


def _write(fmt, result, output, tmp_parquet, parquet_writer) -> None:
    from caflow.cli.common import emit

    if fmt == ReplayFormat.parquet:
        assert output is not None and tmp_parquet is not None
        if parquet_writer is None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({"id": pa.array([], pa.string())}), tmp_parquet)
        else:
            parquet_writer.close()
        _publish(tmp_parquet, output)
        return
    if fmt == ReplayFormat.json:
        import json

        emit(json.dumps(result, indent=2, default=str), output)
    elif fmt == ReplayFormat.csv:
        from caflow.report.replay import render_csv

        emit(render_csv(result), output)
    elif fmt == ReplayFormat.table:
        from caflow.cli.common import table_width
        from caflow.report.replay import render_table

        emit(render_table(result, table_width(output)), output)
    else:
        from caflow.report.replay import render_markdown

        emit(render_markdown(result), output)


def _publish(tmp: Path, output: Path) -> None:
    """The Parquet file written to ``tmp`` becomes ``output`` under the rules of every
    ``--output`` (cli.common.write_output): never an input file (the logs were read by now),
    a symbolic link, a directory or a device; a FIFO is written through."""
    from caflow.cli.common import replace_with, writes_through

    try:
        if writes_through(output):
            with tmp.open("rb") as src, output.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            return
        replace_with(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def _run(engine, scheduler, logs, base, prop, now, start, end, progress, sinks, max_listed):
    def sink(batch):
        for s in sinks:
            s(batch)

    if engine == Engine.dask:
        from caflow.replay.scale import replay_dask

        return replay_dask(
            logs,
            base,
            now,
            proposed=prop,
            since=start,
            until=end,
            scheduler=scheduler,
            progress=progress,
            row_sink=sink if sinks else None,
            max_listed=max_listed,
        )
    from caflow.replay.run import replay_logs

    return replay_logs(
        logs,
        base,
        now,
        proposed=prop,
        since=start,
        until=end,
        progress=progress,
        row_sink=sink if sinks else None,
        max_listed=max_listed,
    )


def _progress(console):
    """A rows counter on stderr while the replay runs (rich; silent when not a terminal)."""
    import contextlib

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    @contextlib.contextmanager
    def cm():
        with Progress(
            SpinnerColumn(),
            TextColumn("replaying sign-ins: {task.completed:,} evaluated"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("replay", total=None)
            yield lambda n: bar.advance(task, n)

    return cm()


def _summary(console, result, store) -> None:
    d = result["baseline"]["decisions"]
    text = (
        f"replay: {result['evaluated']:,} sign-ins; baseline {d['allow']:,} allow, "
        f"{d['block']:,} block, {d['requires']:,} requires"
    )
    if "changes" in result:
        text += (
            f"; proposed changes {result['changes']['count']:,} sign-ins and "
            f"{result['flowConnections']['count']:,} Flow Service/connector refreshes"
        )
    skipped = sum(result["input"]["skipped"].values())
    if skipped:
        text += f"; {skipped:,} records not usable (see input.skipped)"
    if store:
        text += f"; stored in {store}"
    console.print(text, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command(epilog=EPILOG)(replay)
