"""Reading config files strictly: JSON or plain YAML, every duplicate key refused with its name and line.

YAML and JSON both keep the last of two equal keys without a word (``sigma: 0.2`` then ``sigma: 0.9`` runs with
0.9); here any duplicate is an error. Snakemake itself reads config files with yte, which evaluates Python
expressions in a file that sets ``__use_yte__: true``; such files are refused (the workflow can only refuse them
after Snakemake has read them, see the README).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .config import ConfigError

__all__ = ["ConfigFileError", "read_config_file", "check_config_files"]


class ConfigFileError(ConfigError):
    """A config file that is not plain JSON/YAML or repeats a key; the message names the file, key and line."""


class _DuplicateKey(Exception):
    pass


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping with the same key twice."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<: *anchor' may be overridden by explicit keys
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base loader reports it
                break
            if first is not None:
                name = key_node.value if isinstance(key_node, yaml.ScalarNode) else key  # as written in the file
                raise _DuplicateKey(f"key '{name}' appears twice: line {first} and line {key_node.start_mark.line + 1}")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _json_pairs(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"key '{key}' appears twice in one object")
        out[key] = value
    return out


def _json_line(text: str, key: str) -> str:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if f'"{key}"' in line]
    if not lines:
        return ""
    return f" (line {lines[0]})" if len(lines) == 1 else f" (lines {', '.join(map(str, lines))})"


def read_config_file(path: str | Path) -> dict:
    """The mapping in a JSON or YAML config file, read as Snakemake reads it (JSON first, then YAML).

    Raises:
        ConfigFileError: the file repeats a key in any mapping (naming the key and its lines), asks for yte
            evaluation (``__use_yte__``), is not valid JSON or YAML, or does not hold a mapping.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs)
    except _DuplicateKey as err:
        key = str(err).split("'")[1]
        raise ConfigFileError(f"config file {path}: {err}{_json_line(text, key)}") from None
    except ValueError:
        try:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
        except _DuplicateKey as err:
            raise ConfigFileError(f"config file {path}: {err}") from None
        except yaml.YAMLError as err:
            raise ConfigFileError(f"config file {path} is not valid JSON or YAML: {err}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"config file {path} must hold a mapping of keys, not {type(data).__name__}")
    if "__use_yte__" in data:
        raise ConfigFileError(
            f"config file {path}: '__use_yte__' asks Snakemake to evaluate Python expressions in the file (yte "
            "templates); this workflow accepts plain YAML or JSON only. Remove the key and write the values out."
        )
    return data


def check_config_files(paths) -> None:
    """Read every config file strictly (see ``read_config_file``); raise on the first bad one."""
    for path in paths:
        read_config_file(path)
