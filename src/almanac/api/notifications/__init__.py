"""Webhooks and popup reminders under /api/v2 (Back Office conventions: camelCase, Bearer tokens, its errors)."""
