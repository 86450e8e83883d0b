import { test } from "node:test";
import assert from "node:assert/strict";
import { renderMarkdown } from "../../webview/markdown";

test("HTML in the input is escaped, never emitted", () => {
  const html = renderMarkdown("<script>alert(1)</script> <img src=x onerror=alert(1)>");
  assert.ok(!html.includes("<script>") && !html.includes("<img"));
  assert.ok(html.includes("&lt;script&gt;"));
});

test("only http(s) links become anchors", () => {
  assert.ok(renderMarkdown("[ok](https://example.com/a?b=1&c=2)").includes('<a href="https://example.com/a?b=1&amp;c=2"'));
  const bad = renderMarkdown("[x](javascript:alert(1)) [y](data:text/html,hi)");
  assert.ok(!bad.includes("<a "));
});

test("fenced code keeps its text verbatim, with a copy button; an unclosed fence (mid-stream) is still code", () => {
  const html = renderMarkdown("Look:\n```ts\nconst a = 1 < 2 && **b**;\n```\nafter");
  assert.ok(html.includes('<div class="code-block" data-lang="ts"><button class="copy"'));
  assert.ok(html.includes("const a = 1 &lt; 2 &amp;&amp; **b**;"));
  assert.ok(html.includes("<p>after</p>"));
  assert.ok(renderMarkdown("```py\nprint(1)").includes("<pre><code>print(1)</code></pre>"));
});

test("inline formatting, headings, lists and quotes", () => {
  const html = renderMarkdown("# Title\n**bold** and *it* and `x*y*`\n\n- a\n- b\n\n1. one\n2. two\n\n> quoted");
  assert.ok(html.includes("<h3>Title</h3>"));
  assert.ok(html.includes("<strong>bold</strong>") && html.includes("<em>it</em>") && html.includes("<code>x*y*</code>"));
  assert.ok(html.includes("<ul><li>a</li><li>b</li></ul>") && html.includes("<ol><li>one</li><li>two</li></ol>"));
  assert.ok(html.includes("<blockquote>quoted</blockquote>"));
});
