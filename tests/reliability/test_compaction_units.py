"""Compaction's parts in-process: what is summarised and kept, turn records after it, the transcript the summariser
reads, the log records a loaded session replays (compact, truncate), and slash-command parsing."""

from __future__ import annotations

from tandem_protocol import TextContent

from tandem.sessions import commands
from tandem.sessions.compaction import ACK, BLOCK_CHARS, SUMMARY_PREFIX, plan, prompt_index, transcript
from tandem.sessions.store import SessionLog, SessionStore, remap_turns


def user(text: str) -> dict:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def tool_use(name: str = "Read", use_id: str = "t1") -> dict:
    return {"role": "assistant", "content": [{"type": "tool_use", "id": use_id, "name": name, "input": {"x": 1}}]}


def tool_result(use_id: str = "t1", text: str = "file text") -> dict:
    return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use_id, "content": text}]}


SUMMARY = [user(SUMMARY_PREFIX + "earlier"), assistant(ACK)]


def test_prompt_index_skips_tool_results_and_summaries():
    history = [*SUMMARY, user("p1"), tool_use(), tool_result()]
    assert prompt_index(history) == 2
    assert prompt_index(SUMMARY) is None
    assert prompt_index([tool_result()]) is None


def test_auto_keeps_the_current_turn_whole():
    history = [user("p1"), assistant("a1"), user("p2"), tool_use(), tool_result()]
    cut = plan(history, manual=False)
    assert cut.summarised == history[:2] and cut.kept == history[2:] and cut.start == 2


def test_auto_after_a_summary_needs_something_new():
    assert plan([*SUMMARY, user("p")], manual=False) is None
    cut = plan([*SUMMARY, user("p1"), assistant("a1"), user("p2")], manual=False)
    assert cut.summarised[:2] == SUMMARY and cut.kept == [user("p2")]


def test_one_long_turn_keeps_its_prompt_and_last_exchange():
    history = [user("p"), tool_use(use_id="a"), tool_result("a"), tool_use(use_id="b"), tool_result("b")]
    cut = plan(history, manual=False)
    assert cut.kept == [user("p"), tool_use(use_id="b"), tool_result("b")]
    assert cut.summarised == [tool_use(use_id="a"), tool_result("a")]
    assert plan(history[:3], manual=False) is None  # nothing between the prompt and its last exchange


def test_manual_summarises_everything_after_a_finished_turn():
    history = [user("p1"), assistant("a1")]
    assert plan(history, manual=True).kept == []
    assert plan(SUMMARY, manual=True) is None
    failed = [user("p1"), assistant("a1"), user("p2")]  # the last turn failed: its prompt stays
    assert plan(failed, manual=True).kept == [user("p2")]


def test_turn_records_move_with_their_messages():
    turns = [{"n": 1, "messages": 0, "updates": 0}, {"n": 2, "messages": 2, "updates": 5},
             {"n": 3, "messages": 4, "updates": 9}]
    remap_turns(turns, 4)
    assert [t["messages"] for t in turns] == [2, 2, 2]
    turns = [{"n": 1, "messages": 0, "updates": 0}, {"n": 2, "messages": 6, "updates": 5}]
    remap_turns(turns, 4)
    assert [t["messages"] for t in turns] == [2, 4]


def test_transcript_cuts_long_tool_io_and_keeps_words():
    text = transcript([user("Use tabs."), tool_use(), tool_result(text="x" * 10_000), assistant("done")])
    assert "Use tabs." in text and "[tool call Read" in text and "done" in text
    assert f"[{10_000 - BLOCK_CHARS} more characters]" in text
    assert len(text) < 3 * BLOCK_CHARS


def test_store_replays_compact_and_truncate(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    store = SessionStore()
    log: SessionLog = store.open_log("/w", "ses_1")
    log.meta(sessionId="ses_1", cwd="/w")
    log.turn(1, 0, 0)
    for m in (user("p1"), assistant("a1")):
        log.message(m)
    log.turn(2, 2, 0)
    log.message(user("p2"))
    log.compact([*SUMMARY, user("p2")], 2)
    log.message(assistant("a2"))
    log.turn(3, 4, 0)
    log.message(user("p3"))
    log.message(assistant("half [interrupted]"))
    log.truncate(5)  # /retry drops the failed answer
    log.message(assistant("a3"))
    log.close()
    stored = store.load("/w", "ses_1")
    assert stored.history == [*SUMMARY, user("p2"), assistant("a2"), user("p3"), assistant("a3")]
    assert [t["messages"] for t in stored.turns] == [2, 2, 4]


def test_a_torn_compact_record_leaves_the_history_as_it_was(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    store = SessionStore()
    log = store.open_log("/w", "ses_2")
    log.meta(sessionId="ses_2", cwd="/w")
    log.message(user("p1"))
    log.message(assistant("a1"))
    log.close()
    with open(store.path("/w", "ses_2"), "ab") as f:
        f.write(b'{"k":"compact","start":0,"history":[{"role":"user","cont')  # killed mid-write
    assert store.load("/w", "ses_2").history == [user("p1"), assistant("a1")]


def test_command_parsing():
    command, arg = commands.parse([TextContent(text="/compact the parser and its tests")])
    assert command.action == "compact" and arg == "the parser and its tests"
    assert commands.parse([TextContent(text="/retry")])[0].action == "retry"
    blocks, command = commands.expand([TextContent(text="/retry")])
    assert command.name == "retry" and blocks[0].text == "/retry"  # actions are not prompts
    assert commands.parse([TextContent(text="/compactor")]) is None
    assert {c.name for c in commands.COMMANDS} == {"init", "review", "plan", "compact", "retry"}


def test_records_after_a_torn_line_are_not_lost(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    store = SessionStore()
    log = store.open_log("/w", "ses_3")
    log.meta(sessionId="ses_3", cwd="/w")
    log.message(user("p1"))
    log.close()
    with open(store.path("/w", "ses_3"), "ab") as f:
        f.write(b'{"k":"m","m":{"role":"assist')  # killed mid-write
    again = store.open_log("/w", "ses_3")  # the session is loaded and goes on
    again.message(user("p2"))
    again.close()
    assert store.load("/w", "ses_3").history == [user("p1"), user("p2")]
