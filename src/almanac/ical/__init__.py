"""RFC 5545 iCalendar parsing and serialisation (the icalendar library), deterministic for stable ETags."""
