"""A click group that imports a command's module only when that command runs.

Importing every command module made each `yuqing` call load the console, the Word reports and
the evidence code (~110 MB, a second of start-up) before doing anything; `yuqing collect` then
went over its 300 MB budget. Help and completion still list every command.
"""

from __future__ import annotations

import importlib

import click

# command name → the module of yuqing.cli that defines it (in its COMMANDS list)
COMMAND_MODULES = {
    "init": "admin", "collect": "collect", "sources": "sources", "analyze": "analysis",
    "scheme": "analysis", "stories": "stories", "replay": "stories", "incidents": "incidents",
    "ack": "incidents", "respond": "incidents", "close": "incidents", "evidence": "evidence",
    "alerts": "alerts", "digest": "digest", "report": "report", "run": "service",
    "status": "service", "demo": "demo", "user": "users", "web": "web", "clock": "distributed",
    "worker": "distributed",
}


class LazyGroup(click.Group):
    """A group whose commands named in COMMAND_MODULES are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, the lazy ones included, sorted."""
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command by name, importing its module the first time (None when unknown)."""
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            self.load(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)

    def load(self, module_name: str) -> None:
        """Import yuqing.cli.<module_name> and add every command of its COMMANDS list."""
        module = importlib.import_module(f"yuqing.cli.{module_name}")
        for command in module.COMMANDS:
            self.add_command(command)

    def load_all(self) -> dict[str, click.Command]:
        """Import every command module (for help-like uses and tests); return name → command."""
        for module_name in sorted(set(COMMAND_MODULES.values())):
            self.load(module_name)
        return self.commands
