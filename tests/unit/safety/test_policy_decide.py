"""Policy.decide: deny > ask > allow, the modes, protected paths, secrets, the sandbox, "allow always"."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tandem_protocol import PermissionOption

from tandem.safety.permissions import UNSANDBOXED, Policy
from tandem.safety.rules import Rule
from tandem.safety.sandbox import Sandbox
from tandem.tools.base import PermissionAsk
from tandem.workspace import Workspace

MODES = ("default", "acceptEdits", "bypassPermissions")
SANDBOX = Sandbox("/usr/bin/bwrap", True)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / ".git" / "hooks").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "link-out")
    return Workspace(root)


def policy(allow=(), ask=(), deny=(), sandbox=SANDBOX, root=None) -> Policy:
    p = [Rule.parse(r) for r in allow], [Rule.parse(r) for r in ask], [Rule.parse(r) for r in deny]
    return Policy(allow=p[0], ask=p[1], deny=p[2], sandbox=sandbox, root=root)


def bash(command: str) -> PermissionAsk:
    return PermissionAsk(tool="Bash", kind="execute", title=command, subject=command)


def edit(ws: Workspace, path: str, tool: str = "Edit") -> PermissionAsk:
    return PermissionAsk(tool=tool, kind="edit", title=path, subject=str(ws.resolve(path)))


def read(ws: Workspace, path: str) -> PermissionAsk:
    return PermissionAsk(tool="Read", kind="read", title=path, subject=str(ws.resolve(path)))


def test_bash_order(ws):
    p = policy(allow=["Bash(npm:*)", "Bash(rm:*)"], ask=["Bash(npm publish:*)"], deny=["Bash(rm:*)"])
    assert p.decide(bash("npm test"), "default", ws)[0] == "allow"
    assert p.decide(bash("npm publish"), "default", ws)[0] == "ask"
    assert p.decide(bash("npm publish"), "bypassPermissions", ws)[0] == "ask"
    verdict, reason = p.decide(bash("npm test && rm -rf x"), "bypassPermissions", ws)
    assert verdict == "deny" and "rm -rf x" in reason and "Bash(rm:*)" in reason
    assert p.decide(bash("ls"), "default", ws)[0] == "ask"
    assert p.decide(bash("ls"), "bypassPermissions", ws)[0] == "allow"
    assert p.decide(bash("npm test"), "plan", ws)[0] == "deny"


def test_a_command_that_cannot_be_checked_asks_even_in_bypass(ws):
    p = policy(deny=["Bash(rm:*)"])
    verdict, reason = p.decide(bash("$X -rf /"), "bypassPermissions", ws)
    assert verdict == "ask" and "cannot be checked" in reason


def test_without_sandbox_every_command_asks(ws):
    p = policy(allow=["Bash(ls:*)"], sandbox=None)
    for mode in MODES:
        assert p.decide(bash("ls"), mode, ws)[0] == "ask"
    assert p.decide(bash("ls"), "plan", ws)[0] == "deny"


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "link-out/x", ".git/hooks/pre-commit", ".git/config",
                                  ".tandem/settings.local.json", ".vscode/settings.json", ".idea/x.xml",
                                  ".nvim.lua", ".exrc", "sub/.envrc", "sub/.git/config"])
def test_protected_writes_ask_in_every_mode(ws, path):
    p = policy(allow=["Edit", "Write"])
    p.edits_granted = True
    for mode in MODES:
        for tool in ("Edit", "Write"):
            verdict, reason = p.decide(edit(ws, path, tool), mode, ws)
            assert verdict == "ask" and "protected" in reason, (path, mode, tool)
    assert p.decide(edit(ws, path), "plan", ws)[0] == "deny"


def test_ordinary_writes(ws):
    assert policy().decide(edit(ws, "src/a.py"), "default", ws)[0] == "ask"
    assert policy().decide(edit(ws, "src/a.py"), "acceptEdits", ws)[0] == "allow"
    assert policy().decide(edit(ws, "src/a.py"), "bypassPermissions", ws)[0] == "allow"
    assert policy(allow=["Edit(src/**)"]).decide(edit(ws, "src/a.py", "Write"), "default", ws)[0] == "allow"
    assert policy(deny=["Edit(src/**)"]).decide(edit(ws, "src/a.py"), "bypassPermissions", ws)[0] == "deny"


def test_reads(ws):
    p = policy()
    assert p.decide(read(ws, "src/a.py"), "default", ws)[0] == "allow"
    for secret in (".env", "config/.env.production", "certs/server.pem", "tls.key", "id_rsa"):
        assert p.decide(read(ws, secret), "default", ws)[0] == "ask", secret
        assert p.decide(read(ws, secret), "bypassPermissions", ws)[0] == "ask", secret
        assert p.read_needs_check("Read", ws.resolve(secret), ws)
    assert not p.read_needs_check("Read", ws.resolve(".env.example"), ws)
    assert not p.read_needs_check("Read", ws.resolve("src/a.py"), ws)
    assert p.decide(read(ws, "/etc/hostname"), "default", ws)[0] == "ask"
    assert p.decide(read(ws, "/etc/hostname"), "bypassPermissions", ws)[0] == "allow"
    assert policy(allow=["Read(.env)"]).decide(read(ws, ".env"), "default", ws)[0] == "allow"
    assert policy(deny=["Read(.env*)"]).decide(read(ws, ".env"), "bypassPermissions", ws)[0] == "deny"
    assert policy(deny=["Read(secrets/**)"]).read_needs_check("Read", ws.resolve("secrets/a.txt"), ws)


def test_switching_mode_always_asks(ws):
    ask = PermissionAsk(tool="ExitPlanMode", kind="switch_mode", title="plan", subject="plan")
    assert policy(allow=["ExitPlanMode"]).decide(ask, "plan", ws)[0] == "ask"
    assert policy(deny=["ExitPlanMode"]).decide(ask, "plan", ws)[0] == "deny"


OPTIONS = [PermissionOption(option_id="allow_once", name="Allow", kind="allow_once"),
           PermissionOption(option_id="allow_always", name="Always", kind="allow_always"),
           PermissionOption(option_id="reject_once", name="Reject", kind="reject_once")]


def ids(options):
    return [o.option_id for o in options]


def test_prompt_options(ws):
    assert ids(policy().prompt_options(bash("ls"), ws, list(OPTIONS))) == [
        "allow_once", "allow_always", UNSANDBOXED, "reject_once"]
    assert ids(policy(sandbox=None).prompt_options(bash("ls"), ws, list(OPTIONS))) == ["allow_once", "reject_once"]
    assert ids(policy().prompt_options(edit(ws, ".git/config"), ws, list(OPTIONS))) == ["allow_once", "reject_once"]
    assert ids(policy().prompt_options(edit(ws, "src/a.py"), ws, list(OPTIONS))) == [
        "allow_once", "allow_always", "reject_once"]


def test_allow_always_saves_the_exact_command(ws):
    p = policy(root=ws.root)
    p.grant_always(bash("npm test && npm run lint"))
    assert p.decide(bash("npm test && npm run lint"), "default", ws)[0] == "allow"
    assert p.decide(bash("npm test"), "default", ws)[0] == "ask"  # no broader than what was approved
    assert p.decide(bash("npm test && npm run lint && rm x"), "default", ws)[0] == "ask"
    saved = json.loads((ws.root / ".tandem/settings.local.json").read_text())
    assert saved == {"permissions": {"allow": ["Bash(npm test && npm run lint)"]}}


def test_allow_always_for_reads_saves_the_path(ws):
    p = policy(root=ws.root)
    p.grant_always(read(ws, ".env"))
    p.grant_always(read(ws, "/etc/hostname"))
    saved = json.loads((ws.root / ".tandem/settings.local.json").read_text())
    assert saved["permissions"]["allow"] == ["Read(.env)", "Read(/etc/hostname)"]
    assert p.decide(read(ws, ".env"), "default", ws)[0] == "allow"
    assert p.decide(read(ws, ".env.local"), "default", ws)[0] == "ask"


def test_allow_always_is_not_granted_where_it_would_not_hold(ws):
    p = policy(sandbox=None, root=ws.root)
    p.grant_always(bash("ls"))
    assert p.granted == [] and not (ws.root / ".tandem/settings.local.json").exists()
    p = policy(root=ws.root)
    p.grant_always(edit(ws, ".git/config"), ws)
    assert not p.edits_granted
    p.grant_always(edit(ws, "src/a.py"), ws)
    assert p.edits_granted and not (ws.root / ".tandem/settings.local.json").exists()  # session only


def test_unsaved_grant_still_holds_and_says_why(ws):
    (ws.root / ".tandem").mkdir()
    (ws.root / ".tandem/settings.local.json").write_text("{broken")
    p = policy(root=ws.root)
    p.grant_always(bash("make"))
    assert p.decide(bash("make"), "default", ws)[0] == "allow"
    assert p.notices and "Could not save" in p.notices[0]
    assert (ws.root / ".tandem/settings.local.json").read_text() == "{broken"


def test_a_bash_that_bypasses_the_sandbox_seam_always_asks(ws):
    from tandem.safety.permissions import runs_in_sandbox
    from tandem.tools.bash import Bash

    class ClientTerminalBash(Bash):  # like the ACP door's: runs in the editor's terminal, not through wrap_argv
        pass

    assert runs_in_sandbox(Bash()) and not runs_in_sandbox(ClientTerminalBash())
    p = policy(allow=["Bash(ls:*)"])
    for mode in MODES:
        assert p.decide(bash("ls"), mode, ws, sandboxed=False)[0] == "ask"
    assert ids(p.prompt_options(bash("ls"), ws, list(OPTIONS), sandboxed=False)) == ["allow_once", "reject_once"]
