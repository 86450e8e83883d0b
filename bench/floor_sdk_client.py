"""The floor for streaming: the anthropic SDK alone consuming the fake's stream, timing each text delta."""

# Run by bench/core.py as a child process, like `tandem serve`, so it does not share a GIL with the fake.
# Its first line, once the SDK is imported, is {"pid"}. Each line on stdin starts one streamed request; one JSON line
# answers it:
# {"start": perf_counter before the request, "marks": [[perf_counter at each text delta, text length so far]],
#  "cpu": CPU seconds this process spent from the request to the last event}.
# perf_counter is CLOCK_MONOTONIC on Linux, so the parent can compare these times with its own.

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any


async def text_marks(client: Any, anthropic: Any, content: Any) -> list[tuple[float, int]]:
    """Streams one request the way AnthropicModel makes it (client.post, events as the API's JSON) and marks each
    text delta: [(perf_counter, text length so far)]."""
    body = {"model": "claude-sonnet-5-5", "max_tokens": 64000, "stream": True,
            "messages": [{"role": "user", "content": content}]}
    stream = await client.post("/v1/messages", body=body, cast_to=object, stream=True,
                               stream_cls=anthropic.AsyncStream[object])
    marks: list[tuple[float, int]] = []
    total = 0
    async for event in stream:
        if event["type"] == "content_block_delta" and event["delta"]["type"] == "text_delta":
            total += len(event["delta"]["text"])
            marks.append((time.perf_counter(), total))
    return marks


async def main(base_url: str) -> None:
    import anthropic

    client = anthropic.AsyncAnthropic(base_url=base_url, api_key="bench", max_retries=0, timeout=120)
    loop = asyncio.get_running_loop()
    sys.stdout.write(json.dumps({"pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    while await loop.run_in_executor(None, sys.stdin.readline):
        cpu = time.process_time()
        start = time.perf_counter()
        marks = await text_marks(client, anthropic, "bench")
        cpu = time.process_time() - cpu
        sys.stdout.write(json.dumps({"start": start, "marks": marks, "cpu": cpu}) + "\n")
        sys.stdout.flush()
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
