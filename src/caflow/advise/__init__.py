"""advise layer."""
