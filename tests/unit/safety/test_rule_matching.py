"""Rules: parsing, file globs, and Bash matching (allow needs every part; deny finds any part, under wrappers)."""

from __future__ import annotations

import os

import pytest

from tandem.safety.rules import BadRule, Rule, allowed_by, exact_command_rule, first_hit


def rules(*texts: str) -> list[Rule]:
    return [Rule.parse(t) for t in texts]


def test_parse():
    assert Rule.parse("Bash(npm run test:*)") == Rule("Bash", "npm run test:*")
    assert Rule.parse("Edit") == Rule("Edit", None)
    assert Rule.parse("Bash(*)") == Rule("Bash", None)
    assert str(Rule.parse("  Read( .env* ) ")) == "Read(.env*)"
    assert Rule.parse("Bash(echo a && echo b)").pattern == "echo a && echo b"  # exact text only
    for bad in ("", "Bash(", "(x)", "Bash(npm && rm:*)", "Bash(echo > x:*)", 3, None):
        with pytest.raises(BadRule):
            Rule.parse(bad)


@pytest.mark.parametrize("pattern, path, expected", [
    ("src/**", "src/a/b.py", True),
    ("src/**", "lib/a.py", False),
    ("src/*.py", "src/a.py", True),
    ("src/*.py", "src/a/b.py", False),
    (".env*", ".env", True),
    (".env*", "config/.env.local", True),  # no slash: any depth
    ("*.pem", "certs/server.pem", True),
    ("docs/", "docs/x/y.md", True),
    ("/etc/**", "/etc/passwd", True),
    ("src/**", "/elsewhere/src/x", False),  # relative patterns say nothing of outside files
])
def test_path_globs(pattern, path, expected):
    assert Rule("Read", pattern).matches("Read", path, path if path.startswith("/") else "/ws/" + path) is expected


def test_home_pattern_and_families():
    home = os.path.expanduser("~")
    assert Rule.parse("Read(~/.ssh/**)").matches("Read", f"{home}/.ssh/id_rsa", f"{home}/.ssh/id_rsa")
    assert Rule.parse("Edit(src/**)").matches("Write", "src/a.py")
    assert Rule.parse("Read(src/**)").matches("Grep", "src")
    assert not Rule.parse("Write(src/**)").matches("Edit", "src/a.py")
    assert not Rule.parse("Read").matches("Edit", "a.py")


@pytest.mark.parametrize("allow, command, expected", [
    (["Bash(npm run test:*)"], "npm run test", True),
    (["Bash(npm run test:*)"], "npm run test -- --watch", True),
    (["Bash(npm run test:*)"], "npm run test:unit", False),  # words, not characters
    (["Bash(npm run test:*)"], "npm run testx", False),
    (["Bash(npm test)"], "npm test", True),
    (["Bash(npm test)"], "npm test --all", False),
    (["Bash(npm test:*)"], "npm test && rm -rf /", False),
    (["Bash(npm test:*)", "Bash(npm run lint:*)"], "npm test && npm run lint", True),
    (["Bash(npm test:*)"], "cd web && npm test", True),  # cd is harmless on its own
    (["Bash(npm test:*)"], "npm test $(rm -rf x)", False),  # the substitution is a part of its own
    (["Bash(npm test:*)"], "npm test `rm -rf x`", False),
    (["Bash(npm test:*)"], "npm test > report.txt", False),  # writes a file: a redirection is a part too
    (["Bash(npm test:*)"], "npm test 2>&1 | tee", False),
    (["Bash(npm test:*)", "Bash(tee:*)"], "npm test 2>&1 | tee", True),
    (["Bash(npm test:*)"], "npm test 2>/dev/null", True),
    (["Bash(npm test:*)"], "npm test \"$FILE\"", True),  # arguments may be anything
    (["Bash(npm test:*)"], "$NPM test", False),
    (["Bash(npm test:*)"], "X=1 npm test", False),
    (["Bash(npm test:*)"], "npm test\nrm -rf x", False),
    (["Bash(npm test:*)"], "npm test; case x in y) ;; esac", False),  # unsure: not allowed
    (["Bash(echo a && echo b)"], "echo a && echo b", True),  # an exact rule saved by "allow always"
    (["Bash(echo a && echo b)"], "echo a && echo b && rm x", False),
    (["Bash"], "anything at all | here", True),
    ([], "ls", False),
])
def test_allowed_by(allow, command, expected):
    assert allowed_by(rules(*allow), command) is expected


@pytest.mark.parametrize("command", [
    "rm -rf x", "echo ok && rm -rf x", "echo ok; rm -rf x", "echo ok || rm -rf x", "echo ok | rm -rf x",
    "(rm -rf x)", "{ rm -rf x; }", "echo $(rm -rf x)", "echo `rm -rf x`", "echo \"$(rm -rf x)\"",
    "echo ok\nrm -rf x", "cat <<EOF\n$(rm -rf x)\nEOF", "\\rm x", "'rm' x", "r''m x", "/bin/rm x", "./rm x",
    "sudo rm x", "sudo -u root rm x", "env rm x", "env -i FOO=1 rm x", "FOO=1 rm x", "nohup rm x &",
    "timeout 5 rm x", "timeout -s KILL 5 rm x", "nice -n 5 rm x", "xargs rm < list", "find . | xargs -0 rm -f",
    "find . -name '*.o' -exec rm {} \\;", "bash -c 'rm -rf x'", "sh -c \"echo a; rm x\"", "bash -lc 'rm x'",
    "eval 'rm -rf x'", "eval rm x", "command rm x", "exec rm x", "time rm x", "watch -n 1 rm x",
    "if true; then rm x; fi", "for f in a; do rm $f; done", "diff <(rm x) y",
])
def test_deny_finds_every_hidden_part(command):
    hit = first_hit(rules("Bash(rm:*)"), command)
    assert hit is not None and hit[0] == "match", (command, hit)


@pytest.mark.parametrize("command", [
    "echo rm", "ls -la", "git rm --cached x", "npm run format", "echo 'rm -rf x'", "cat <<'EOF'\nrm -rf x\nEOF",
])
def test_deny_does_not_overreach(command):
    assert first_hit(rules("Bash(rm:*)"), command) is None


@pytest.mark.parametrize("command", ["$X -rf /", "$(echo rm) x", "${CMD} x", "$'\\x72m' x", "bash -c \"$X\"",
                                     "eval $X", "r?m x", "echo x | sh -c \"$(cat)\""])
def test_deny_cannot_check_a_program_known_only_at_run_time(command):
    hit = first_hit(rules("Bash(rm:*)"), command)
    assert hit is not None and hit[0] == "unknown", (command, hit)


def test_deny_on_unparseable_text_uses_the_program_name():
    assert first_hit(rules("Bash(rm:*)"), "case x in y) rm -rf z;; esac")[0] == "match"
    assert first_hit(rules("Bash(rm:*)"), "case x in y) ls;; esac")[0] == "unknown"


def test_deny_with_arguments():
    deny = rules("Bash(git push --force:*)")
    assert first_hit(deny, "git status && git push --force origin")[0] == "match"
    assert first_hit(deny, "git push origin") is None
    assert first_hit(deny, "git push $FLAG")[0] == "unknown"


def test_exact_command_rule():
    assert exact_command_rule("  npm test && npm run lint ") == Rule("Bash", "npm test && npm run lint")
    assert exact_command_rule("echo a:*") is None  # would read as a prefix rule
    rule = exact_command_rule("npm test > out.txt")
    assert allowed_by([rule], "npm test > out.txt") and not allowed_by([rule], "npm test > other.txt")
