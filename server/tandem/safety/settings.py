"""Permission settings: the user's, the project's and a local untracked override, merged for one session.

    $XDG_CONFIG_HOME/tandem/settings.json        (user; ~/.config when XDG_CONFIG_HOME is unset)
    <workspace>/.tandem/settings.json            (project, shared through the repository)
    <workspace>/.tandem/settings.local.json      (local, untracked: "allow always" answers land here)

    {"permissions": {"allow": ["Bash(npm run test:*)", "Edit(src/**)"], "ask": [...], "deny": ["Read(.env*)"]},
     "sandbox": {"network": false, "maxProcesses": 1024}}

Rules of every file add up; deny beats ask beats allow wherever they come from. `sandbox` keys are taken from the
most specific file that sets them. A file that is not valid JSON, or has a deny or ask rule that does not parse,
is reported (file and line) and makes the session ignore every allow rule: a broken file never widens
permissions. A bad allow rule is reported and skipped.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rules import BadRule, Rule
from .sandbox import DEFAULT_MAX_PROCESSES

log = logging.getLogger(__name__)

LISTS = ("allow", "ask", "deny")
LOCAL_NAME = "settings.local.json"


def user_settings_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "tandem" / "settings.json"


def project_settings_paths(root: Path) -> tuple[Path, Path]:
    return root / ".tandem" / "settings.json", root / ".tandem" / LOCAL_NAME


@dataclass
class Settings:
    allow: list[Rule] = field(default_factory=list)
    ask: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)
    network: bool = False
    max_processes: int = DEFAULT_MAX_PROCESSES
    errors: list[str] = field(default_factory=list)  # "file:line: message"
    broken: bool = False  # a file could not be read as a whole: allow rules are off
    files: list[Path] = field(default_factory=list)  # the files that were read


def load(root: Path, extra_allow: list[Rule] | tuple[Rule, ...] = ()) -> Settings:
    """The merged settings for a session in `root`; never raises."""
    settings = Settings()
    sandbox: dict[str, Any] = {}
    for path in (user_settings_path(), *project_settings_paths(root)):
        _load_file(path, settings, sandbox)
    if settings.broken:
        settings.allow = []
    settings.allow += list(extra_allow)
    network = sandbox.get("network")
    settings.network = bool(network) if isinstance(network, bool) else False
    procs = sandbox.get("maxProcesses")
    if isinstance(procs, int) and not isinstance(procs, bool):
        settings.max_processes = procs
    for error in settings.errors:
        log.warning("tandem: %s", error)
    return settings


def _load_file(path: Path, settings: Settings, sandbox: dict[str, Any]) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as e:
        settings.errors.append(f"{path}: cannot read the settings file ({e}); its rules are ignored, and so are "
                               "all allow rules until it is fixed")
        settings.broken = True
        return
    settings.files.append(path)
    if not text.strip():
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        settings.errors.append(f"{path}:{e.lineno}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
                               "the file is ignored, and so are all allow rules until it is fixed")
        settings.broken = True
        return
    if not isinstance(data, dict):
        settings.errors.append(f"{path}:1: the settings must be a JSON object; the file is ignored, and so are all "
                               "allow rules until it is fixed")
        settings.broken = True
        return
    perms = data.get("permissions", {})
    if not isinstance(perms, dict):
        settings.errors.append(f"{path}:{_line_of(text, 'permissions')}: \"permissions\" must be an object with "
                               "allow, ask and deny lists; all allow rules are ignored until it is fixed")
        settings.broken = True
        perms = {}
    for name in LISTS:
        entries = perms.get(name, [])
        if not isinstance(entries, list):
            settings.errors.append(f"{path}:{_line_of(text, name)}: \"{name}\" must be a list of rules such as "
                                   "\"Bash(npm test:*)\"")
            settings.broken |= name != "allow"
            continue
        for entry in entries:
            try:
                rule = Rule.parse(entry)
            except BadRule as e:
                line = _line_of(text, entry) if isinstance(entry, str) else _line_of(text, name)
                if name == "allow":
                    settings.errors.append(f"{path}:{line}: {e}; this allow rule is skipped")
                else:
                    settings.errors.append(f"{path}:{line}: {e}; a {name} rule that cannot be read turns off all "
                                           "allow rules until it is fixed")
                    settings.broken = True
                continue
            getattr(settings, name).append(rule)
    box = data.get("sandbox", {})
    if not isinstance(box, dict):
        settings.errors.append(f"{path}:{_line_of(text, 'sandbox')}: \"sandbox\" must be an object")
        return
    if "network" in box:
        if isinstance(box["network"], bool):
            sandbox["network"] = box["network"]
        else:
            settings.errors.append(f"{path}:{_line_of(text, 'network')}: \"network\" must be true or false; "
                                   "the network stays off")
            sandbox["network"] = False
    if "maxProcesses" in box:
        value = box["maxProcesses"]
        if isinstance(value, int) and not isinstance(value, bool) and 8 <= value <= 1_000_000:
            sandbox["maxProcesses"] = value
        else:
            settings.errors.append(f"{path}:{_line_of(text, 'maxProcesses')}: \"maxProcesses\" must be a whole "
                                   f"number from 8 to 1000000; using {DEFAULT_MAX_PROCESSES}")


def _line_of(text: str, needle: str) -> int:
    """The line where a JSON string first appears (1 when it cannot be found)."""
    at = text.find(json.dumps(needle))
    if at < 0:
        at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


class SaveError(Exception):
    """The local settings file could not be updated (the grant still holds for the session)."""


def save_allow_rule(root: Path, rule: Rule) -> Path:
    """Add `rule` to the project's local settings (created if needed; other content kept). Raises SaveError."""
    _, path = project_settings_paths(root)
    data: dict[str, Any] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as e:
        raise SaveError(f"cannot read {path}: {e}") from None
    if text.strip():
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SaveError(f"{path}:{e.lineno}: not valid JSON ({e.msg}); not overwriting it") from None
        if not isinstance(data, dict):
            raise SaveError(f"{path}:1: the settings are not a JSON object; not overwriting them")
    perms = data.setdefault("permissions", {})
    if not isinstance(perms, dict):
        raise SaveError(f"{path}: \"permissions\" is not an object; not overwriting it")
    allow = perms.setdefault("allow", [])
    if not isinstance(allow, list):
        raise SaveError(f"{path}: \"permissions.allow\" is not a list; not overwriting it")
    if str(rule) in allow:
        return path
    allow.append(str(rule))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text(f"{LOCAL_NAME}\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except OSError as e:
        raise SaveError(f"cannot write {path}: {e}") from None
    return path
