"""The CalDAV face (RFC 4791) over the same services as the REST faces."""
