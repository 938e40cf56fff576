"""Exit codes (like ruff): 0 fine, 1 problems found, 2 bad input / usage / internal error."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["EXIT_CODES_HELP", "ExitStatus"]


class ExitStatus(IntEnum):
    SUCCESS = 0
    FAILURE = 1  # check: something breaks; advise: a finding >= --fail-on
    ERROR = 2  # bad input (file + JSON path named), bad usage, internal error


EXIT_CODES_HELP = "Exit codes: 0 success, 1 problems found, 2 bad input (the message names the file and JSON path)."
