"""The `yuqing` command line (docs/spec.md §7): thin commands over the stages' library functions.

Exit codes: 0 success, 2 usage or configuration error (one paragraph, no traceback),
1 anything else. Set YUQING_DEBUG=1 to see tracebacks.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from yuqing.cli.context import AppContext
from yuqing.cli.lazy import LazyGroup
from yuqing.config.errors import ConfigError, YuqingError


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Configuration file (default: $YUQING_CONFIG, else ./yuqing.toml, else built-in defaults).",
)
@click.version_option(package_name="yuqing")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """yuqing (舆情): watch what is said online about an organisation, and alert in time."""
    app = AppContext(config_option=config_path)
    ctx.obj = app
    ctx.call_on_close(app.close)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and map errors to exit codes."""
    try:
        # Outside standalone mode click returns, rather than raises, the code of `ctx.exit(n)`.
        code = cli.main(args=argv, prog_name="yuqing", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        click.echo(f"yuqing: {exc}", err=True)
        sys.exit(2)
    except YuqingError as exc:
        _debug_traceback()
        click.echo(f"yuqing: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last resort: a short line, the traceback only on request
        _debug_traceback()
        click.echo(
            f"yuqing: unexpected error: {type(exc).__name__}: {exc}\n"
            "Run again with YUQING_DEBUG=1 for the traceback, and report it.",
            err=True,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _debug_traceback() -> None:
    if os.environ.get("YUQING_DEBUG"):
        traceback.print_exc()
