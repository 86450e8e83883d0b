"""The shell splitter: every simple command a line runs, and Unsure for what it cannot vouch for."""

from __future__ import annotations

import pytest

from tandem.safety.shell import Unsure, split, split_words


def texts(command: str) -> list[list[str | None]]:
    return [[w.value for w in c.words] for c in split(command)]


@pytest.mark.parametrize("command, expected", [
    ("npm run test", [["npm", "run", "test"]]),
    ("a && b || c; d | e |& f & g", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"], ["g"]]),
    ("a\nb\n\nc", [["a"], ["b"], ["c"]]),
    ("(cd x; rm y)", [["cd", "x"], ["rm", "y"]]),
    ("{ a; b; }", [["a"], ["b"]]),
    ("echo 'a;b' \"c && d\" e\\;f", [["echo", "a;b", "c && d", "e;f"]]),
    ("r\\m -rf x", [["rm", "-rf", "x"]]),
    ("'r'\"m\" x", [["rm", "x"]]),
    ("echo a#b # rm -rf /", [["echo", "a#b"]]),
    ("echo hi\\\nthere", [["echo", "hithere"]]),
    ("if [ -f x ]; then echo y; else echo z; fi", [["[", "-f", "x", "]"], ["echo", "y"], ["echo", "z"]]),
    ("while true; do sleep 1; done", [["true"], ["sleep", "1"]]),
    ("for f in a b; do black $f; done", [["black", None]]),
    ("[[ -f x ]] && echo y", [["[[", "-f", "x", "]]"], ["echo", "y"]]),
    ("X=1 npm test", [["X=1", "npm", "test"]]),
    ("echo $((1 + 2))", [["echo", None]]),
])
def test_splits(command, expected):
    assert texts(command) == expected


@pytest.mark.parametrize("command, hidden", [
    ("echo $(rm -rf x)", ["rm", "-rf", "x"]),
    ("echo `rm -rf x`", ["rm", "-rf", "x"]),
    ("echo \"$(rm -rf x)\"", ["rm", "-rf", "x"]),
    ("echo \"`rm -rf x`\"", ["rm", "-rf", "x"]),
    ("echo $(echo $(rm -rf x))", ["rm", "-rf", "x"]),
    ("echo ${X:-$(rm -rf x)}", ["rm", "-rf", "x"]),
    ("diff <(rm -rf x) y", ["rm", "-rf", "x"]),
    ("tee >(rm -rf x)", ["rm", "-rf", "x"]),
    ("cat <<EOF\n$(rm -rf x)\nEOF", ["rm", "-rf", "x"]),
    ("cat <<EOF\n`rm -rf x`\nEOF", ["rm", "-rf", "x"]),
    ("for f in $(rm -rf x); do :; done", ["rm", "-rf", "x"]),
    ("echo ok\nrm -rf x", ["rm", "-rf", "x"]),
    ("ls > out; rm -rf x", ["rm", "-rf", "x"]),
    ("echo `echo \\`rm -rf x\\``", ["rm", "-rf", "x"]),
])
def test_finds_hidden_commands(command, hidden):
    assert hidden in texts(command)


def test_quoted_heredoc_body_is_not_commands():
    command = "cat > notes.md <<'EOF'\nrm -rf x\n$(rm -rf y)\nEOF\necho done"
    assert texts(command) == [["cat"], ["echo", "done"]]


def test_git_commit_message_through_a_heredoc():
    command = 'git commit -m "$(cat <<\'EOF\'\nFix it; rm nothing\nEOF\n)"'
    assert texts(command) == [["cat"], ["git", "commit", "-m", None]]


def test_redirections():
    [cmd] = split("ls -la > out.txt 2>&1 < in.txt")
    assert [str(r) for r in cmd.redirects] == [">out.txt", "2>&1", "<in.txt"]
    assert [str(r) for r in cmd.writes] == [">out.txt"]
    [cmd] = split("make 2>/dev/null >&2")
    assert cmd.writes == []
    [cmd] = split("> truncated")
    assert cmd.words == [] and [str(r) for r in cmd.writes] == [">truncated"]
    [cmd] = split("echo x &>> log")
    assert [str(r) for r in cmd.writes] == ["&>>log"]


def test_dynamic_and_glob_words():
    [cmd] = split("$CMD x {a,b} *.py [ab].txt ~/x $'\\x72m'")
    values = [w.value for w in cmd.words]
    assert values[0] is None and values[2] is None and values[6] is None
    assert cmd.words[3].glob and cmd.words[4].glob and not cmd.words[5].glob
    assert not split("[ -f x ]")[0].words[0].glob


@pytest.mark.parametrize("command", [
    "echo \"unterminated", "echo 'unterminated", "echo $(unbalanced", "echo `unterminated", "echo )",
    "f() { rm -rf x; }; f", "function f { rm; }", "case $x in a) rm;; esac", "(( x++ ))", "arr=(a b)",
    "echo $((x))", "echo $(( $(rm x) ))", "echo ${arr[$(rm x)]}", "echo ${x:1}", "echo ${!name}",
    "[[ $x -eq 1 ]]", "let x=1", "declare -i x=1", "trap 'rm -rf x' EXIT", "a[$(rm x)]=1",
    "cat <<$X\nbody\n$X", "echo ${x:-{}}", "[[ -f x && -d y ]]",
])
def test_unsure(command):
    with pytest.raises(Unsure):
        split(command)


def test_split_words_is_one_command():
    assert [w.value for w in split_words("npm run test")] == ["npm", "run", "test"]
    with pytest.raises(Unsure):
        split_words("a && b")


def test_deep_nesting_is_unsure_not_a_crash():
    with pytest.raises(Unsure):
        split("echo " + "$(" * 200 + "x" + ")" * 200)
