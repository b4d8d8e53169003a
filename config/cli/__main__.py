"""Run the command line as `python -m config.cli`."""

from config.cli import main

main()
