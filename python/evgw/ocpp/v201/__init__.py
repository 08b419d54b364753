"""OCPP 2.0.1 / 2.1 handlers and their tables."""
