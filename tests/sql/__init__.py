"""Tests of the SQL adapter itself: schema, migrations, statements, concurrency, faults."""
