"""Read the config file (TOML), interpolate secrets from the environment, validate it.

Any string value may contain ``${VAR}`` (error when unset), ``${VAR:-default}``, or
refer to a secret file: when ``VAR`` is unset but ``VAR_FILE`` names a file, its
contents (stripped) are used. Validation errors name the file, the key and what was
expected. The models are in :mod:`brandpulse.config`, which re-exports these functions.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from brandpulse.config_checks import finish_config, register_config_secrets
from brandpulse.settings import CONFIG_ENV, DATABASE_URL_ENV, DEFAULT_CONFIG_PATH
from domain.errors import ConfigError
from domain.redact import register_url_password

if TYPE_CHECKING:
    from brandpulse.config import Config

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def resolve_config_path(path: Path | None) -> Path:
    """``--config`` first, then ``$BRANDPULSE_CONFIG``, then ``./brandpulse.toml``."""
    if path is not None:
        return path
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG_PATH


def interpolate(
    value: Any, *, where: str, env: Mapping[str, str], secrets: list[str] | None = None
) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string of ``value`` (recursive).

    Values taken from the environment or secret files are appended to ``secrets``.
    """
    found = secrets if secrets is not None else []
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            var, default = match.group(1), match.group(2)
            if var in env:
                found.append(env[var])
                return env[var]
            secret_file = env.get(f"{var}_FILE")
            if secret_file:
                try:
                    found.append(Path(secret_file).read_text(encoding="utf-8").strip())
                    return found[-1]
                except OSError as exc:
                    raise ConfigError(
                        f"{where}: cannot read {var}_FILE={secret_file}: {exc}"
                    ) from exc
            if default is not None:
                return default
            raise ConfigError(
                f"{where}: environment variable {var} is not set "
                f"(set it, set {var}_FILE to a secret file, or write ${{{var}:-default}})"
            )

        return _VAR.sub(replace, value)
    if isinstance(value, list):
        return [
            interpolate(v, where=f"{where}[{i}]", env=env, secrets=found)
            for i, v in enumerate(value)
        ]
    if isinstance(value, dict):
        return {
            k: interpolate(v, where=f"{where}.{k}", env=env, secrets=found)
            for k, v in value.items()
        }
    return value


def _format_location(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    out = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and "name" in node:
                    out += f" (name={node['name']!r})"
            continue
        out += f".{part}" if out else str(part)
        node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def _validation_message(
    file: str, exc: ValidationError, data: Mapping[str, Any], *, prefix: str = ""
) -> str:
    lines = [f"{file}: invalid configuration:"]
    for error in exc.errors():
        loc = prefix + _format_location(tuple(error["loc"]), data)
        detail = error["msg"]
        if error["type"] == "extra_forbidden":
            detail = "unknown key (check the spelling; see the configuration reference in README)"
        elif "input" in error and error["type"] not in ("missing",):
            # Never echo strings, lists or tables: they may hold secrets (a model-level
            # error's input is the whole config). Numbers and booleans help and are safe.
            value = error["input"]
            if isinstance(value, bool | int | float):
                detail += f" (got {value!r})"
        detail = detail.removeprefix("Value error, ")
        lines.append(f"  {loc}: {detail}")
    if len(lines) == 2:
        return f"{lines[0]} {lines[1].strip()}"
    return "\n".join(lines)


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read, interpolate and validate the config; apply BRANDPULSE_DATABASE_URL.

    Raises:
        ConfigError: with the file, the key and what was expected.
    """
    from brandpulse.config import Config

    env = os.environ if env is None else env
    file = resolve_config_path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: config file not found (pass --config FILE or set {CONFIG_ENV}; "
            "examples/brandpulse.toml is a starting point)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from exc
    secrets: list[str] = []
    data = interpolate(raw, where=str(file), env=env, secrets=secrets)
    register_config_secrets(data, secrets)
    if env.get(DATABASE_URL_ENV):
        data.setdefault("database", {})["url"] = env[DATABASE_URL_ENV]
        register_url_password(env[DATABASE_URL_ENV])
    try:
        config = Config.model_validate({**data, "path": file})
    except ValidationError as exc:
        raise ConfigError(_validation_message(str(file), exc, data)) from None
    for index, source in enumerate(config.sources):
        where = f"sources[{index}] (name={source.name!r})"
        try:
            config.source_settings(source)
        except KeyError as exc:
            raise ConfigError(
                f"{file}: invalid configuration:\n  {where}.type: {exc.args[0]}"
            ) from None
        except ValidationError as exc:
            raise ConfigError(
                _validation_message(str(file), exc, source.options(), prefix=f"{where}.")
            ) from None
    return finish_config(config, file=file, from_env=bool(env.get(DATABASE_URL_ENV)))
