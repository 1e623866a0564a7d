"""`python -m mentorat.cli`: the `mentorat` command line, as before it became a package."""

import sys

from mentorat.cli import main

sys.exit(main())
