"""`python -m second_classroom.cli`: the `classroom` command."""

import sys

from . import main

sys.exit(main())
