"""`python -m mentorat.adapters.sql.migrations`: Alembic's command line on our scripts."""

from mentorat.adapters.sql.migrations import main

main()
