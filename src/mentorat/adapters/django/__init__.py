"""The original Django service as a source of accounts: its database, or a `dumpdata` file."""
