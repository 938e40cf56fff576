"""web: ``caflow serve`` - local pages and a JSON API over the same library calls as the CLI.

The top library layer (tests/test_layering.py): it may use every layer below it; only the CLI
sits above it. Needs the ``web`` extra (fastapi, uvicorn, python-multipart).
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from caflow.web.app import create_app

        return create_app
    raise AttributeError(name)
