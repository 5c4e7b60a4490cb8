"""The HTTP faces (FastAPI): the app factory, authentication, error translation and translations."""
