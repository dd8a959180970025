"""``python -m rtvi_core.cli`` runs the ``rtvi`` command line."""

import sys

from . import main

sys.exit(main())
