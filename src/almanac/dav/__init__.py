"""The CalDAV face (RFC 4791, RFC 6578, RFC 5397, RFC 6764) over the same services as the REST faces.

The protocol layer is written here on lxml rather than borrowed: see ``app``
for the request pipeline, ``xml`` for the hardened parser, ``errors`` for the
one table from domain errors to DAV responses.
"""
