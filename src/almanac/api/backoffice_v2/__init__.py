"""The Back Office Calendar events API v2 face (``/api/v2``): its schemas, routes and error table."""
