-- Inline review end to end: pending hunks from `_tandem/hunks` drawn in the file, decided one by one with
-- :TandemAccept / :TandemReject (workspace/executeCommand), or all at once with :TandemAccept!; then :TandemReview
-- (quickfix from `_tandem/review/list`) and :TandemRewind (`_tandem/rewind`).

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")
H.setup({ permissions = { feedback = false } })

local diff = require("tandem.diff")
local path = H.workspace .. "/src/app.py"
local ORIGINAL = vim.split(H.read(path), "\n")
local NEW = "def greet(name):\n    return f'Hi, {name}!'\n\n\nprint(greet('nvim'))\n"

local function marks(buf)
  return vim.api.nvim_buf_get_extmarks(buf, diff.ns, 0, -1, { details = true })
end

local function review_in_file(items)
  for _, item in ipairs(items) do
    if item.kind == "tandem_review" then
      return item
    end
  end
  error("no 'Review hunks in the file' option")
end

H.test("hunks are drawn in the file and decided one by one", function()
  vim.cmd("edit " .. path)
  local buf = vim.api.nvim_get_current_buf()
  H.script({
    { blocks = { { type = "tool_use", name = "Read", input = { file_path = path } } } },
    { blocks = { { type = "tool_use", name = "Write", input = { file_path = path, content = NEW } } } },
    { text = "Rewritten." },
  })
  H.stub_select(review_in_file)
  vim.cmd("TandemAsk greet nvim, say hi")
  local s = H.session()
  H.wait(function()
    return #marks(buf) == 2
  end, "two pending hunks drawn in the buffer")
  H.eq(buf, vim.api.nvim_get_current_buf(), "the file is shown for review")
  local first = marks(buf)[1]
  H.eq(1, first[2], "the first hunk is on line 2")
  H.eq("- " .. ORIGINAL[2], first[4].virt_lines[1][1][1], "its removed line, as a virtual line")
  H.ok(s.busy, "the turn waits for the decision")

  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  vim.cmd("TandemAccept")
  H.wait(function()
    return H.lines(buf)[2] == "    return f'Hi, {name}!'" and #marks(buf) == 1
  end, "the first hunk applied in the buffer, one left")
  vim.api.nvim_win_set_cursor(0, { 5, 0 })
  vim.cmd("TandemReject")
  H.turn_done(s)
  H.eq(0, #marks(buf), "no hunk left")
  local lines = H.lines(buf)
  H.eq("    return f'Hi, {name}!'", lines[2], "accepted hunk kept")
  H.eq(ORIGINAL[5], lines[5], "rejected hunk left out")
  -- the buffer was clean: the accepted hunk was saved (save_agent_edits), so the agent's commands see it on disk
  H.eq(table.concat(lines, "\n"), H.read(path), "the accepted hunk is on disk")
  H.ok(not vim.bo[buf].modified, "the buffer is saved")
  H.has_line(s.chat.buf, "^🔐 Write src/app%.py — decided in the file$", "the chat tells how it was decided")
end)

H.test(":TandemAccept! accepts every hunk of the file", function()
  local buf = vim.api.nvim_get_current_buf()
  H.script({
    { blocks = { { type = "tool_use", name = "Read", input = { file_path = path } } } },
    { blocks = { { type = "tool_use", name = "Write", input = { file_path = path, content = "# header\n" .. NEW } } } },
    { text = "Done." },
  })
  H.stub_select(review_in_file)
  local s = H.session()
  require("tandem").ask("add a header")
  H.wait(function()
    return #marks(buf) > 0
  end, "pending hunks")
  vim.cmd("TandemAccept!")
  H.turn_done(s)
  H.eq(vim.split("# header\n" .. NEW, "\n"), vim.list_extend(H.lines(buf), { "" }), "every hunk applied")
  H.eq(0, #marks(buf), "nothing pending")
end)

H.test(":TandemReview lists the agent's changes in the quickfix list", function()
  vim.cmd("TandemReview")
  H.wait(function()
    return #vim.fn.getqflist() > 0
  end, "quickfix items")
  local items = vim.fn.getqflist()
  H.eq("Tandem review", vim.fn.getqflist({ title = 1 }).title, "quickfix title")
  H.eq(path, vim.api.nvim_buf_get_name(items[1].bufnr), "the changed file")
  H.ok(items[1].text:find("^changed turn"), "what changed, and in which turn: " .. items[1].text)
  vim.cmd("cclose")
end)

H.test(":TandemRewind puts the code back as it was before the first message", function()
  local buf = vim.fn.bufnr(path)
  local s = H.session()
  H.stub_select(function(items, opts)
    if opts.prompt:find("which message") then
      return items[#items] -- the oldest message
    end
    return "code"
  end)
  vim.cmd("TandemRewind")
  H.wait(function()
    return H.lines(buf)[2] == ORIGINAL[2] and H.lines(buf)[1] == ORIGINAL[1]
  end, "the buffer as it was before turn 1")
  H.eq(ORIGINAL, H.lines(buf), "the whole file restored")
  H.wait(function()
    return H.read(path) == table.concat(ORIGINAL, "\n") and not vim.bo[buf].modified
  end, "the rewind saved to disk (the buffer was clean)")
  H.wait(function()
    s.chat:flush()
    return H.find(H.lines(s.chat.buf), "^> Rewound to before message 1: Restored 1 file")
  end, "the chat says so")
end)

H.run()
