"""CalDAV over the same services (not written yet; the package exists so the import contracts can name it)."""
