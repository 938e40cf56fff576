"""Advise rules: ``<rule_id>.py`` + ``<rule_id>.meta.yaml`` each (see registry)."""
