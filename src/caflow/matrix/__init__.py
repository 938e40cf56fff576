"""``caflow matrix``: bulk What If — users (or personas) × apps × sign-in contexts."""

from __future__ import annotations

from caflow.matrix.build import (
    DEFAULT_APPS,
    DEFAULT_CONTEXTS,
    Cell,
    MatrixResult,
    Persona,
    SignInContext,
    run_matrix,
)

__all__ = [
    "DEFAULT_APPS",
    "DEFAULT_CONTEXTS",
    "Cell",
    "MatrixResult",
    "Persona",
    "SignInContext",
    "run_matrix",
]
