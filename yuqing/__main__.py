"""Run the command line as `python -m yuqing`."""

from yuqing.cli import main

raise SystemExit(main())
