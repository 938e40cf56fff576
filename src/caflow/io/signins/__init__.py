"""Sign-in log loaders: every export shape Microsoft writes -> one columnar record schema.

Sources (docs/sources.md TS-6): Graph ``/auditLogs/signIns`` (v1.0 and beta,
``{"value": [...]}`` pages, JSON arrays, JSON Lines), Log Analytics tables (``SigninLogs``,
``AADNonInteractiveUserSignInLogs``, ``AADServicePrincipalSignInLogs``,
``AADManagedIdentitySignInLogs``) as JSON/JSON Lines or CSV, diagnostic-settings / Event Hub
records, the Entra portal CSV download, and Parquet with Graph field names. Records are streamed
in bounded batches (:data:`~caflow.io.signins.schema.BATCH_ROWS`); what cannot be mapped is
counted per reason in :class:`~caflow.io.signins.stats.LoadStats`, never dropped silently.
"""

from __future__ import annotations

from caflow.io.signins.reader import read_signins
from caflow.io.signins.schema import FIELDS, SCHEMA
from caflow.io.signins.stats import LoadStats

__all__ = ["FIELDS", "SCHEMA", "LoadStats", "read_signins"]
