"""Settings files: merge of user, project and local; errors name the file and line; a broken file never widens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tandem.safety.rules import Rule
from tandem.safety.settings import SaveError, load, save_allow_rule, user_settings_path


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    ws = tmp_path / "ws"
    (ws / ".tandem").mkdir(parents=True)
    return ws


def write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))


def test_no_files(root):
    s = load(root)
    assert (s.allow, s.ask, s.deny, s.errors, s.network, s.broken) == ([], [], [], [], False, False)


def test_three_levels_add_up(root):
    write(user_settings_path(), {"permissions": {"allow": ["Bash(ls:*)"], "deny": ["Bash(rm:*)"]},
                                 "sandbox": {"network": True}})
    write(root / ".tandem/settings.json", {"permissions": {"allow": ["Edit(src/**)"], "ask": ["Bash(git push:*)"]},
                                           "sandbox": {"network": False, "maxProcesses": 64}})
    write(root / ".tandem/settings.local.json", {"permissions": {"allow": ["Bash(npm test)"]}, "other": {"x": 1}})
    s = load(root, [Rule("Bash", "make")])
    assert [str(r) for r in s.allow] == ["Bash(ls:*)", "Edit(src/**)", "Bash(npm test)", "Bash(make)"]
    assert [str(r) for r in s.ask] == ["Bash(git push:*)"]
    assert [str(r) for r in s.deny] == ["Bash(rm:*)"]
    assert s.network is False  # the project's setting is more specific than the user's
    assert s.max_processes == 64
    assert s.errors == []


def test_malformed_json_names_file_and_line_and_drops_every_allow(root):
    write(user_settings_path(), {"permissions": {"allow": ["Bash(ls:*)"]}})
    bad = root / ".tandem/settings.json"
    write(bad, '{\n  "permissions": {\n    "deny": ["Bash(rm:*)"],\n    "allow": ["Bash(curl:*)"]\n  \n}\n')
    s = load(root)
    [error] = s.errors
    assert error.startswith(f"{bad}:7:") and "not valid JSON" in error
    assert s.broken and s.allow == []  # the user's allow rule is off too: a broken file never widens


def test_trailing_comma_line(root):
    bad = root / ".tandem/settings.local.json"
    write(bad, '{"permissions": {"allow": [\n"Bash(ls:*)",\n]}}')
    [error] = load(root).errors
    assert error.startswith(f"{bad}:3:")


def test_bad_allow_rule_is_skipped_with_its_line(root):
    path = root / ".tandem/settings.json"
    write(path, {"permissions": {"allow": ["Bash(ls:*)", "Bash(npm && rm:*)", "Edit(src/**)"]}})
    s = load(root)
    assert [str(r) for r in s.allow] == ["Bash(ls:*)", "Edit(src/**)"]
    [error] = s.errors
    assert error.startswith(f"{path}:5:") and "skipped" in error
    assert not s.broken


def test_bad_deny_rule_turns_allow_off(root):
    write(root / ".tandem/settings.json", {"permissions": {"allow": ["Bash(ls:*)"], "deny": ["Bash(", 7]}})
    s = load(root)
    assert s.broken and s.allow == [] and len(s.errors) == 2


@pytest.mark.parametrize("data", [[1, 2], "\"text\"", {"permissions": []}, {"permissions": {"deny": "Bash"}}])
def test_wrong_shapes(root, data):
    write(root / ".tandem/settings.json", data if isinstance(data, str) else json.dumps(data))
    s = load(root)
    assert s.errors and s.broken


def test_sandbox_values_are_checked(root):
    write(root / ".tandem/settings.json", {"sandbox": {"network": "yes", "maxProcesses": 2}})
    s = load(root)
    assert s.network is False and s.max_processes == 1024 and len(s.errors) == 2


def test_empty_file_is_fine(root):
    write(root / ".tandem/settings.json", "  \n")
    assert load(root).errors == []


def test_save_creates_the_local_file_and_keeps_other_content(root):
    path = save_allow_rule(root, Rule("Bash", "npm test"))
    assert json.loads(path.read_text()) == {"permissions": {"allow": ["Bash(npm test)"]}}
    assert (root / ".tandem/.gitignore").read_text() == "settings.local.json\n"
    data = {"permissions": {"allow": ["Bash(ls:*)"], "deny": ["Bash(rm:*)"]}, "sandbox": {"network": False}, "x": 1}
    write(path, data)
    save_allow_rule(root, Rule("Bash", "echo a && echo b"))
    save_allow_rule(root, Rule("Bash", "echo a && echo b"))  # no duplicate
    saved = json.loads(path.read_text())
    assert saved["permissions"]["allow"] == ["Bash(ls:*)", "Bash(echo a && echo b)"]
    assert saved["permissions"]["deny"] == ["Bash(rm:*)"] and saved["sandbox"] == {"network": False}
    assert saved["x"] == 1
    assert [str(r) for r in load(root).allow] == ["Bash(ls:*)", "Bash(echo a && echo b)"]


def test_save_refuses_to_overwrite_a_broken_file(root):
    path = root / ".tandem/settings.local.json"
    write(path, "{not json")
    with pytest.raises(SaveError, match="settings.local.json:1"):
        save_allow_rule(root, Rule("Bash", "ls"))
    assert path.read_text() == "{not json"


def test_save_creates_the_folder(tmp_path):
    ws = tmp_path / "fresh"
    ws.mkdir()
    save_allow_rule(ws, Rule("Read", ".env"))
    assert json.loads((ws / ".tandem/settings.local.json").read_text())["permissions"]["allow"] == ["Read(.env)"]
