"""Reliability: no lost updates, idempotent retries, and the like, against the real stack."""
