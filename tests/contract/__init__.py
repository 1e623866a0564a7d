"""The adapter contract suite: every repository and unit of work, one set of cases."""
