"""`python -m mentorat`: the `mentorat` command line."""

import sys

from mentorat.cli import main

sys.exit(main())
