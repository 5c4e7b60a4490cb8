"""RFC 5545 parsing and serialising (not written yet; the package exists so the import contracts can name it)."""
