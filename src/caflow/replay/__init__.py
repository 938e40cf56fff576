"""Replay real sign-in logs against a policy set (``caflow replay``): the compiled evaluator and
the aggregation of its per-row results."""
