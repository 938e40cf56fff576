"""The whatif command-line arguments of one interactive sign-in, written once for the tests that
ask caflow about the same person from the same place (the internet, a Windows browser)."""

from __future__ import annotations


def sign_in_args(
    user: str | None = None,
    *,
    device: str,
    app: str | None = "Microsoft Flow Service",
    ip: str = "8.8.8.8",
    platform: str = "windows",
    client_app: str = "browser",
) -> list[str]:
    """``--user U --app A --ip ... --device D``; ``user``/``app`` None leave them out."""
    who = ["--user", user] if user is not None else []
    what = ["--app", app] if app is not None else []
    where = ["--ip", ip, "--platform", platform, "--client-app", client_app, "--device", device]
    return [*who, *what, *where]
