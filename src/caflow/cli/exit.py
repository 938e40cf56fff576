"""Exit codes (like ruff): 0 fine, 1 problems found, 2 bad input / usage / internal error."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["EXIT_CODES_HELP", "EXIT_CODES_ROOT_HELP", "ExitStatus"]


class ExitStatus(IntEnum):
    SUCCESS = 0
    FAILURE = 1  # check: something breaks; advise: a finding >= --fail-on
    ERROR = 2  # bad input (file + JSON path named), bad usage, internal error


#: Verbs that never report problems with exit 1 (whatif, simulate, demo, apps, examples, schema).
EXIT_CODES_HELP = "Exit codes: 0 success, 2 bad input (the message names the file and JSON path)."
#: ``caflow --help``: which verbs use 1 (advise --fail-on, check, pull), and for what.
EXIT_CODES_ROOT_HELP = (
    "Exit codes: 0 success; 1 problems found (advise: a finding at or above --fail-on, or with "
    "--strict one undetermined or not evaluated; check: "
    "the change breaks something; pull: parts of the tenant unreadable); 2 bad input (the "
    "message names the file and JSON path)."
)
