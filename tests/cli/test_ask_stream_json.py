"""`tandem ask --input-format stream-json`: stdin's JSON lines (Claude Code's user messages) as turns of one session."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from tandem.agent.fake_api import Fault, Reply


def user(content) -> str:
    return json.dumps({"type": "user", "message": {"role": "user", "content": content}})


def run_lines(env, cwd, lines: list[str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tandem", "ask", "--input-format", "stream-json", *args],
                          input="".join(line + "\n" for line in lines), cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def said(lines: list[dict]) -> str:
    return "".join(u["update"]["content"]["text"] for u in lines
                   if "update" in u and u["update"]["sessionUpdate"] == "agent_message_chunk")


def test_two_turns_share_one_session(server_env, fake_api, workspace):
    fake_api.enqueue(Reply.text("The answer is 4."), Reply.text("You asked about 2+2."))
    out = run_lines(server_env, workspace, [user("What is 2+2?"), user([{"type": "text", "text": "What did I ask?"}])],
                    "--output", "stream-json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    results = [i for i, line in enumerate(lines) if line.get("type") == "result"]
    assert len(results) == 2 and results[1] == len(lines) - 1
    assert said(lines[:results[0]]) == "The answer is 4."
    assert said(lines[results[0]:]) == "You asked about 2+2."
    assert {line["sessionId"] for line in lines} == {lines[0]["sessionId"]}
    assert all(lines[i]["stopReason"] == "end_turn" and lines[i]["isError"] is False for i in results)
    calls = [r for r in fake_api.requests if r.path == "/v1/messages"]
    assert len(calls) == 2
    history = json.dumps(calls[1].body["messages"])
    assert "What is 2+2?" in history and "The answer is 4." in history and "What did I ask?" in history
    assert [m["role"] for m in calls[1].body["messages"]] == ["user", "assistant", "user"]


def test_text_output_puts_each_answer_on_its_own_line(server_env, fake_api, workspace):
    fake_api.enqueue(Reply.text("first"), Reply.text("second"))
    out = run_lines(server_env, workspace, [user("one"), user("two")])
    assert out.returncode == 0, out.stderr
    assert out.stdout == "first\nsecond\n"


def test_malformed_lines_are_reported_and_skipped(server_env, fake_api, workspace):
    fake_api.enqueue(Reply.text("one"), Reply.text("two"))
    out = run_lines(server_env, workspace, ["this is not json", user("first"), "",
                                            json.dumps({"type": "assistant", "message": {"content": "x"}}),
                                            user([{"type": "tool_result", "content": "x"}]), user("second")])
    assert out.returncode == 0, out.stderr
    assert out.stdout == "one\ntwo\n"
    errors = [line for line in out.stderr.splitlines() if line.startswith("tandem: stdin line")]
    assert [e.split(" skipped")[0] for e in errors] == ["tandem: stdin line 1", "tandem: stdin line 4",
                                                        "tandem: stdin line 5"]
    assert "not JSON" in errors[0] and "user message" in errors[1] and "tool_result" in errors[2]
    calls = [r for r in fake_api.requests if r.path == "/v1/messages"]
    assert len(calls) == 2
    assert "this is not json" not in json.dumps(calls[1].body["messages"])


def test_prompt_argument_and_stream_json_input_do_not_mix(server_env, workspace):
    out = run_lines(server_env, workspace, [], "hello")
    assert out.returncode == 2 and "drop PROMPT" in out.stderr


def test_ctrl_c_cancels_the_running_turn_and_the_next_line_still_runs(server_env, fake_api, workspace):
    fake_api.enqueue(Fault.hang(), Reply.text("still here"))
    proc = subprocess.Popen([sys.executable, "-m", "tandem", "ask", "--input-format", "stream-json", "--output",
                             "stream-json"], cwd=workspace, env=server_env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.stdin.write(user("wait forever") + "\n")
        proc.stdin.flush()
        fake_api.wait_for_requests(1, timeout=30)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        while (line := json.loads(proc.stdout.readline())).get("type") != "result":
            pass
        assert line["stopReason"] == "cancelled"
        proc.stdin.write(user("and now?") + "\n")
        proc.stdin.close()
        proc.wait(timeout=30)
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
    lines = [json.loads(x) for x in out.splitlines()]
    assert said(lines) == "still here" and lines[-1]["stopReason"] == "end_turn"
    assert proc.returncode == 130
    assert "cancelled" in err
