"""A message that is not JSON gets a -32700 answer and one line in the log, not a traceback per message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..servers import server_environ


def test_unreadable_messages_are_answered_and_logged_in_one_line(tmp_path: Path) -> None:
    frames = b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(body), body) for body in (b"{bad}", b"[1, 2", b"\xff\xfe"))
    done = subprocess.run([sys.executable, "-m", "tandem", "serve"], input=frames, capture_output=True, timeout=60,
                          env=server_environ(tmp_path, "http://127.0.0.1:9"), cwd=tmp_path, check=False)
    answers = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in done.stdout.split(b"Content-Length: ")[1:]]
    assert [a["error"]["code"] for a in answers] == [-32700, -32700, -32700]
    stderr = done.stderr.decode(errors="replace")
    assert "Traceback" not in stderr, stderr
    assert stderr.count("unreadable message, answered with an error") == 3, stderr
