"""Suite-wide settings. Under CI (``CI`` set), hypothesis runs derandomized so a submission is
judged reproducibly; locally it explores new examples on every run."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
