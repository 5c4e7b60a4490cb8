"""The SQL storage adapter: tables, row<->domain mapping, repositories, the unit of work, migrations."""
