"""Delivery channels behind one port (not written yet; the package exists so the import contracts can name it)."""
