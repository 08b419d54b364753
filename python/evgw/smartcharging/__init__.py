"""Load management."""
