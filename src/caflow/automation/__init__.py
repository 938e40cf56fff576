"""automation layer."""
