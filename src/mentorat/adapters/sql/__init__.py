"""SQL adapters: SQLAlchemy 2 Core on PostgreSQL (psycopg 3) and SQLite (aiosqlite)."""
