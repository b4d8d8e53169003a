"""Finds, reads and validates the configuration file: path or environment in, `Settings` out.

Every failure becomes one `ConfigError` whose message names the file, the key and the fix.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from yuqing.config.errors import ConfigError
from yuqing.config.platforms import SELECTOR_TAGS
from yuqing.config.settings import ChannelSettings, Settings

ENV_CONFIG = "YUQING_CONFIG"
DEFAULT_FILE = "yuqing.toml"
BUILTIN = "<built-in default>"


def find_config(explicit: str | None) -> tuple[Path | None, str]:
    """Return (path or None for the built-in default, how it was chosen)."""
    if explicit:
        return Path(explicit), "--config"
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]), f"${ENV_CONFIG}"
    if Path(DEFAULT_FILE).is_file():
        return Path(DEFAULT_FILE), f"./{DEFAULT_FILE}"
    return None, BUILTIN


def load_settings(explicit: str | None = None) -> tuple[Settings, Path | None]:
    """Load the settings the command line asked for; raise ConfigError on any problem."""
    path, how = find_config(explicit)
    if path is None:
        return parse_settings({}, base_dir=Path.cwd(), origin=BUILTIN), None
    if not path.is_file():
        raise ConfigError(
            f"configuration file {path} (from {how}) does not exist. Create it (see the "
            f"configuration reference in README.md) or point --config at an existing file."
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from exc
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the syntax there.") from exc
    return parse_settings(data, base_dir=path.resolve().parent, origin=str(path)), path


def parse_settings(data: dict[str, Any], base_dir: Path, origin: str) -> Settings:
    """Validate a parsed TOML document; relative paths are taken from `base_dir`."""
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(error, data) for error in exc.errors()[:5]]
        more = len(exc.errors()) - len(lines)
        if more > 0:
            lines.append(f"… and {more} more")
        raise ConfigError(f"configuration error in {origin}:\n  " + "\n  ".join(lines)) from None
    return _resolve_paths(settings, base_dir)


def _resolve_paths(settings: Settings, base_dir: Path) -> Settings:
    url = settings.database.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        url = "sqlite:///" + str((base_dir / url.removeprefix("sqlite:///")).resolve())
    digest = settings.digest.model_copy(update={"out_dir": str(base_dir / settings.digest.out_dir)})
    templates = settings.reports.templates_dir
    reports = settings.reports.model_copy(update={
        "out_dir": str(base_dir / settings.reports.out_dir),
        "templates_dir": str(base_dir / templates) if templates else None,
    })
    channels = [_resolve_channel(c, base_dir) for c in settings.channels]
    log_file = settings.service.log_file
    service = settings.service.model_copy(
        update={"log_file": str(base_dir / log_file) if log_file else None}
    )
    return settings.model_copy(
        update={
            "database": settings.database.model_copy(update={"url": url}),
            "digest": digest,
            "reports": reports,
            "channels": channels,
            "service": service,
        }
    )


def _resolve_channel(channel: ChannelSettings, base_dir: Path) -> ChannelSettings:
    update = {}
    if channel.path and channel.path != "-":
        update["path"] = str(base_dir / channel.path)
    if channel.ca_file:
        update["ca_file"] = str(base_dir / channel.ca_file)
    return channel.model_copy(update=update) if update else channel


def _describe(error: Any, data: dict[str, Any]) -> str:
    # the selectors union's tag is no key of the file (sources[0].selectors.jmespath.items)
    loc = tuple(x for i, x in enumerate(error["loc"]) if not (x in SELECTOR_TAGS and i and error["loc"][i - 1] == "selectors"))
    key = _key_path(loc, data)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        parent_key = _key_path(loc[:-1], data) or "the top level"
        choices = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), choices, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(choices)}"
        return f"unknown key {loc[-1]!r} in {parent_key}{hint}"
    if error["type"] == "missing":
        return f"key {key}: required but missing; add it"
    if error["type"] == "literal_error":
        return f"key {key}: {error['input']!r} is not allowed; {message.lower()}"
    where = f"key {key}" if key else "configuration"
    return f"{where}: {message}"


def _key_path(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            name = node[item].get("name") if isinstance(node, list) and item < len(node) and isinstance(node[item], dict) else None
            parts[-1] += f"[{item}]" + (f" ({name!r})" if name else "")
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Settings
    for item in loc:
        if isinstance(item, int) or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        field = model.model_fields.get(str(item))
        if field is None:
            return []
        model = _inner_model(field.annotation)
    return sorted(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
