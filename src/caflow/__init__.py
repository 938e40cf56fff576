"""caflow: predict which Power Automate flows a Conditional Access change will break."""

from __future__ import annotations

__version__ = "0.1.0"
