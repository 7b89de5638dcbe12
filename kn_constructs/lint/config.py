"""The project config file of ``kn-constructs lint``, and the codes it may name.

The linter looks for its settings the way ruff and kube-linter do: walking up from each input's
folder to the file system root, the first folder holding ``.kn-constructs.yaml`` (or ``.yml``), or
a ``pyproject.toml`` with a ``[tool.kn-constructs]`` table, wins (in one folder the YAML file
wins over ``pyproject.toml``). ``--config FILE`` names the file instead; ``--no-config`` uses none.

Keys (the same in both files)::

    cluster: [knative/config-features.yaml]   # Knative ConfigMap files, relative to this file
    ignore: [KN-IMAGE-1, "KN-PROBE-*"]        # codes or patterns, as --ignore
    min-severity: warning                     # or info, error, as --min-severity

Precedence, key by key: the command line, then the config file, then the default (no cluster
file, nothing ignored, ``info``). ``--ignore`` adds to the file's ``ignore``.
"""

from __future__ import annotations

import difflib
import fnmatch
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, cast

import yaml

__all__ = [
    "CONFIG_KEYS",
    "CONFIG_NAMES",
    "ConfigError",
    "LintConfig",
    "find_config",
    "known_codes",
    "load_config",
    "unknown_code_problems",
]

#: The file names looked for in each folder, in order.
CONFIG_NAMES: Final = (".kn-constructs.yaml", ".kn-constructs.yml", "pyproject.toml")
#: The table of ``pyproject.toml`` the settings live in.
PYPROJECT_TABLE: Final = ("tool", "kn-constructs")
#: The keys a config file may hold.
CONFIG_KEYS: Final = ("cluster", "ignore", "min-severity")
_SEVERITIES: Final = ("info", "warning", "error")


class ConfigError(Exception):
    """A config file (or an option naming codes) the linter cannot use: exit 2."""


@dataclass(frozen=True)
class LintConfig:
    """The settings of one config file.

    Attributes:
        path: The file (``None``: no config file).
        cluster: The cluster ConfigMap files, resolved against the file's folder.
        ignore: Codes or patterns to drop.
        min_severity: The lowest severity reported (``None``: not set).
    """

    path: Path | None = None
    cluster: tuple[Path, ...] = ()
    ignore: tuple[str, ...] = ()
    min_severity: Literal["info", "warning", "error"] | None = None


@cache
def known_codes() -> tuple[str, ...]:
    """Every code ``kn-constructs lint`` can report (the SARIF rule list), sorted."""
    from kn_constructs.lint.catalogue import all_rules

    return tuple(sorted({rule.code for rule in all_rules()}))


def unknown_code_problems(codes: Iterable[str]) -> list[str]:
    """One message per code (or pattern) that names no code the linter reports, with "did you mean".

    A pattern (``KN-PROBE-*``) is known when it matches at least one code.
    """
    known = known_codes()
    messages = []
    for code in codes:
        if any(fnmatch.fnmatchcase(k, code) for k in known):
            continue
        close = difflib.get_close_matches(code.upper(), known, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (docs/lint.md#rules lists the codes)"
        messages.append(f"unknown code {code!r}{hint}")
    return messages


def _has_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get(PYPROJECT_TABLE[0], {}).get(PYPROJECT_TABLE[1]), dict)


def find_config(start: Path) -> Path | None:
    """The config file that applies to ``start`` (a file or folder), walking up; ``None`` if none."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            path = candidate / name
            if path.is_file() and (name != "pyproject.toml" or _has_table(path)):
                return path
    return None


def _read(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read ({error})") from error
    if path.name == "pyproject.toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from error
        data = data.get(PYPROJECT_TABLE[0], {}).get(PYPROJECT_TABLE[1])
        where = "[tool.kn-constructs]"
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: not valid YAML: {error}") from error
        data = {} if data is None else data
        where = "the file"
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {where} must be a mapping of {', '.join(CONFIG_KEYS)}")
    return cast("Mapping[str, Any]", data)


def _strings(path: Path, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Sequence[object] = [p.strip() for p in value.split(",")] if key == "ignore" else [value]
    elif isinstance(value, list):
        items = value
    else:
        raise ConfigError(f"{path}: {key} must be a string or a list of strings, not {type(value).__name__}")
    if not all(isinstance(item, str) and item for item in items):
        raise ConfigError(f"{path}: {key} must hold non-empty strings only")
    return tuple(cast("list[str]", list(items)))


def load_config(path: Path) -> LintConfig:
    """Read and check one config file.

    Raises:
        ConfigError: It cannot be read or parsed, holds an unknown key (with "did you mean"),
            a value of the wrong type, a cluster file that does not exist, or an unknown code.
    """
    data = _read(path)
    problems = []
    for key in data:
        if key not in CONFIG_KEYS:
            close = difflib.get_close_matches(str(key), CONFIG_KEYS, n=1)
            problems.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems) + f"; allowed: {', '.join(CONFIG_KEYS)}")
    cluster = tuple(path.parent / name for name in _strings(path, "cluster", data.get("cluster", [])))
    missing = [str(p) for p in cluster if not p.is_file()]
    if missing:
        raise ConfigError(
            f"{path}: cluster file(s) not found: {', '.join(missing)} (paths are relative to it)"
        )
    ignore = _strings(path, "ignore", data.get("ignore", []))
    unknown = unknown_code_problems(ignore)
    if unknown:
        raise ConfigError(f"{path}: ignore: " + "; ".join(unknown))
    severity = data.get("min-severity")
    if severity is not None and severity not in _SEVERITIES:
        raise ConfigError(f"{path}: min-severity must be one of {', '.join(_SEVERITIES)}, not {severity!r}")
    return LintConfig(path, cluster, ignore, cast("Literal['info', 'warning', 'error'] | None", severity))
