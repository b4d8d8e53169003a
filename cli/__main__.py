"""Run the command line as `python -m yuqing.cli`."""

from yuqing.cli import main

main()
