"""The code keeps its shape: import contracts hold, and every setting and command is documented."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from yuqing.cli import cli
from yuqing.config.settings import Settings

from .conftest import PACKAGE_FOLDERS

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(["bash", str(ROOT / ".ci" / "lint-imports")], cwd=ROOT, capture_output=True, text=True,
                            check=False, env={**os.environ, "LINT_IMPORTS": lint})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_no_module_is_imported_under_a_bare_name() -> None:
    """Every module of the project is loaded as `yuqing.…`; `import collector` is refused."""
    for folder in PACKAGE_FOLDERS:
        with pytest.raises(ImportError, match=f"import it as yuqing.{folder}"):
            importlib.import_module(folder)
    bare = sorted(name for name in sys.modules if name.split(".")[0] in PACKAGE_FOLDERS
                  and Path(getattr(sys.modules[name], "__file__", None) or "/").resolve().is_relative_to(ROOT))
    assert bare == []


def _keys(model: type[BaseModel], prefix: str) -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        inner = _model_in(field.annotation)
        if inner is not None and name not in ("categories",):
            keys.extend(_keys(inner, f"{prefix}{name}."))
        else:
            keys.append(prefix + name)
    return keys


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z0-9_.\[\]]+)`", reference))
    missing = [key for key in _keys(Settings, "") if key not in documented]
    assert missing == [], f"README's configuration reference lacks {missing}"


def test_every_command_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = []
    for name, command in cli.load_all().items():
        if isinstance(command, click.Group):
            names.extend(f"{name} {sub}" for sub in command.commands)
        else:
            names.append(name)
    missing = [name for name in names if f"yuqing {name}" not in readme]
    assert missing == [], f"README does not document {missing}"


def test_every_package_and_data_folder_is_listed_for_the_wheel() -> None:
    import tomllib

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    assert setuptools["package-dir"] == {"yuqing": "yuqing", **{f"yuqing.{top}": top for top in PACKAGE_FOLDERS}}
    found = {"yuqing"}
    for top in PACKAGE_FOLDERS:
        for folder in [ROOT / top, *(p for p in (ROOT / top).rglob("*") if p.is_dir())]:
            if "__pycache__" in folder.parts:
                continue
            if (folder / "__init__.py").exists() or any(f.suffix != ".pyc" and f.is_file() for f in folder.iterdir()):
                found.add(".".join(("yuqing", *folder.relative_to(ROOT).parts)))
    found.discard("yuqing.analysis.corpus")  # training data: in the repository, not in the installed package
    assert sorted(found - listed) == [], "folders a wheel would leave out"
