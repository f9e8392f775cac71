"""``python -m minitorch_cnn``: the same as the ``minitorch-cnn`` command."""

import sys

from .cli import main

sys.exit(main())
