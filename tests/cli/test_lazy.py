"""The lazy command group: every command is listed and found, and none is imported before use."""

from __future__ import annotations

import importlib
import subprocess
import sys

from yuqing.cli.lazy import COMMAND_MODULES


def test_the_map_names_every_command_of_every_module() -> None:
    found = {}
    for module_name in set(COMMAND_MODULES.values()):
        module = importlib.import_module(f"yuqing.cli.{module_name}")
        found.update({command.name: module_name for command in module.COMMANDS})
    assert found == COMMAND_MODULES


def test_help_lists_every_command(yuqing) -> None:
    output = yuqing("--help").out
    for name in COMMAND_MODULES:
        assert f"\n  {name} " in output, name


def test_starting_the_cli_loads_no_command_module() -> None:
    code = (
        "import sys; from yuqing.cli import cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('yuqing.cli.', 'docx', 'starlette', 'argon2'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['yuqing.cli.context', 'yuqing.cli.lazy']"


def test_embedded_mode_never_loads_the_broker_client() -> None:
    code = (
        "import sys; from yuqing.cli import cli; import yuqing.cli.service, yuqing.cli.distributed, "
        "yuqing.service.runner, yuqing.service.status; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dramatiq', 'pika')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_an_unknown_command_is_a_usage_error(yuqing) -> None:
    result = yuqing("no-such-command")
    assert result.code == 2
    assert "No such command 'no-such-command'" in result.err
