"""Use cases. Each takes a ServiceContext and keyword arguments, runs in one unit of work,
returns domain objects and raises domain errors; none knows HTTP, SQL or DAV."""
