"""The reminder worker (not written yet; the package exists so the import contracts can name it)."""
