"""Terminal-safe text: what a bundle names (policy names, ids, files) is shown, never obeyed.

A policy called ``[link=https://evil]Block[/]`` or ``\\x1b]52;c;...\\x07`` (an escape sequence
that writes the clipboard) must print as those characters, not style the terminal (SECURITY.md).
So the consoles caflow writes with have rich markup off by default (renderers build styled
``Text`` objects instead), and every rendered piece of text passes through :func:`displayable`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from caflow.errors import CaflowError

__all__ = ["DEFAULT_WIDTH", "BrokenOutputError", "SafeConsole", "displayable", "encodable"]

#: The width of a table written to a file, or piped with no ``$COLUMNS``: fixed, so the same
#: input renders the same text (``cli.common.table_width`` picks the terminal's otherwise).
DEFAULT_WIDTH = 160

# C0 controls but tab and newline, DEL, C1 controls, bidirectional overrides/isolates
# ("trojan source") and lone surrogates (unencodable, crash a UTF-8 writer).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _picture(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␛ for ESC
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def encodable(text: str, encoding: str | None) -> str:
    """``text`` with what ``encoding`` cannot write replaced (lone surrogates, or non-Latin text
    on a latin-1 terminal) instead of a UnicodeEncodeError halfway through the output."""
    enc = (encoding or "utf-8").lower()
    try:
        text.encode(enc)
    except UnicodeEncodeError:
        return text.encode(enc, "replace").decode(enc)
    except LookupError:
        return text
    return text


def displayable(text: str, encoding: str | None = "utf-8") -> str:
    """``text`` for a terminal: control characters shown as visible symbols, and encodable."""
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(_picture, text)
    return encodable(text, encoding)


class BrokenOutputError(CaflowError):
    """Standard output cannot be written (a closed pipe, a full disk): exit 1, not a crash."""


class SafeConsole(Console):
    """A rich console with markup off and every text segment made :func:`displayable`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(**kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        encoding = self.encoding
        for seg in super().render(renderable, options):
            if seg.control or not seg.text:
                yield seg
                continue
            clean = displayable(seg.text, encoding)
            yield seg if clean == seg.text else Segment(clean, seg.style, seg.control)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        try:
            super().print(*objects, **kwargs)
        except OSError as exc:
            raise BrokenOutputError(
                f"cannot write to {'standard error' if self.stderr else 'the output'}: "
                f"{exc.strerror or type(exc).__name__}"
            ) from None
