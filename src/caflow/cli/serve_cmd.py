"""``caflow serve [BUNDLE]``: the local web UI and JSON API (FastAPI + uvicorn)."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path

import typer

__all__ = ["register"]

EPILOG = (
    "Examples:\n\n"
    "  # then open http://127.0.0.1:8765 and pick the example tenant:\n"
    "  caflow serve\n\n"
    "  # open a bundle straight away:\n"
    "  caflow serve examples/contoso\n\n"
    "  # also show the stored replay results (caflow replay wrote them there):\n"
    "  caflow serve examples/contoso --store .caflow/caflow.duckdb\n\n"
    "  # the JSON API, from another terminal:\n"
    "  curl -s -X POST http://127.0.0.1:8765/api/whatif \\\n"
    "      -H 'content-type: application/json' \\\n"
    '      -d \'{"user": "alice@contoso.com", "app": "Microsoft Flow Service"}\'\n\n'
    "Pages: open or upload a bundle, policies in plain English, the What If form, a scenario's "
    "timeline, checking a change, the user × app matrix, advisor findings, stored replay runs. "
    "The JSON API (POST /api/whatif, /api/simulate, /api/advise, /api/check, /api/matrix) takes "
    "the command's options by name (--client-app is client_app) and answers its --format json; "
    "bad input is HTTP 4xx with the CLI's message (file and JSON path). The API document is "
    "/openapi.json.\n\n"
    "Local by design: binds 127.0.0.1 unless --host says otherwise (with a warning: there is no "
    "login); pages load nothing from the internet; paths typed into a page or the API must lie "
    "inside --root (default the working directory) or @examples/...; uploads are limited to "
    "--max-upload-mb and checked by the CLI's loader. Needs the web extra: "
    "pip install 'caflow\\[web]'. Exit codes: 0 stopped, 2 bad input (unreadable BUNDLE, port "
    "in use)."
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """The server's socket, bound here so that a port in use or a foreign address is one
    exit-2 line naming the option (uvicorn binding it logs its own error line first)."""
    from caflow.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(
            f"cannot resolve the address ({exc.strerror})",
            file="--host",
            expected="an IP address or a name of this machine, e.g. 127.0.0.1",
            got=host,
        ) from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} is in use on {host}",
                file="--port",
                expected="a free port (another program, or another caflow serve, listens "
                "on this one)",
                got=port,
            ) from None
        raise InputError(
            f"cannot listen on {host}:{port} ({exc.strerror})",
            file="--host",
            expected="an address of this machine (default 127.0.0.1)",
            got=host,
        ) from None
    return sock


#: The modules of the ``web`` extra (pyproject.toml), by import name.
WEB_MODULES = ("fastapi", "uvicorn", "multipart")


def serve(
    bundle: Path = typer.Argument(
        None, help="Tenant bundle to open first (folder, .zip or export file); optional."
    ),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind; anything but loopback is warned about."
    ),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="TCP port."),
    store: Path = typer.Option(
        None,
        "--store",
        dir_okay=False,
        help="DuckDB result store of caflow replay to show (default .caflow/caflow.duckdb if it exists).",
    ),
    root: Path = typer.Option(
        None,
        "--root",
        file_okay=False,
        help="Folder whose files pages and the API may open (default: the working directory).",
    ),
    max_upload_mb: int = typer.Option(
        64, "--max-upload-mb", min=1, max=1024, help="Largest upload accepted (MB)."
    ),
    max_body_kb: int = typer.Option(
        1024,
        "--max-body-kb",
        min=1,
        max=1024 * 1024,
        help="Largest API or form request body accepted (KB); larger is HTTP 413. Uploads "
        "have --max-upload-mb.",
    ),
) -> None:
    """Open the local web UI: what-if form, policies, scenarios, checks, matrix, findings."""
    from caflow.cli.common import err_console, guard
    from caflow.errors import InputError, require_extra

    with guard():
        require_extra("caflow serve", "web", WEB_MODULES)
        from caflow.cli.examples_cmd import example_path
        from caflow.store.replay import DEFAULT_STORE
        from caflow.web.app import create_app

        if root is not None and not root.is_dir():
            raise InputError(
                "not a folder", file="--root", expected="an existing folder", got=str(root)
            )
        if store is None and DEFAULT_STORE.is_file():
            store = DEFAULT_STORE
        app = create_app(
            bundle,
            root=root,
            examples=example_path(),
            store=store,
            max_upload=max_upload_mb * 1024 * 1024,
            host=host,
            max_body=max_body_kb * 1024,
        )
        sock = _bind(host, port)
    if not _is_loopback(host):
        err_console.print(
            f"warning: binding {host}: other machines can reach this server and it has no login; "
            "anyone who can reach it can read the open tenant's policies and directory. "
            "Use the default 127.0.0.1 unless you mean it.",
            highlight=False,
            markup=False,
            style="yellow",
        )
    shown = f"[{host}]" if ":" in host else host
    err_console.print(
        f"caflow serve: http://{shown}:{port}/  (Ctrl+C stops; API document /openapi.json)",
        highlight=False,
        markup=False,
    )
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    with sock:
        uvicorn.Server(config).run(sockets=[sock])


def register(app: typer.Typer) -> None:
    app.command("serve", epilog=EPILOG)(serve)
