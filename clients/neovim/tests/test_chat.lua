-- The chat end to end: a streamed turn (thinking, text, tool calls, plan) drawn without moving the cursor,
-- folds, winbar usage, :TandemAsk with a range, :TandemMode and :TandemCancel.

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")
H.setup()

local ANSWER = "Here is what I found.\nThe project is a **demo**: `src/app.py` greets the world.\n\nThat is all."

H.test("a streamed turn renders in the chat without moving the cursor", function()
  H.script({
    {
      blocks = {
        { type = "thinking", thinking = "Let me look at the readme first." },
        { type = "text", text = "Reading." },
        { type = "tool_use", name = "Read", input = { file_path = H.workspace .. "/README.md" } },
      },
      chunk = 3,
    },
    {
      blocks = {
        {
          type = "tool_use",
          name = "TodoWrite",
          input = { todos = { { content = "Read the readme", status = "in_progress", activeForm = "Reading" } } },
        },
      },
    },
    {
      blocks = {
        {
          type = "tool_use",
          name = "TodoWrite",
          input = { todos = { { content = "Read the readme", status = "completed", activeForm = "Reading" } } },
        },
      },
    },
    { text = ANSWER, chunk = 2, delay = 0.002 },
  })
  vim.cmd("Tandem")
  local s = H.session()
  local chat_win = require("tandem.chat").window()
  H.ok(chat_win, "the chat window is open")
  H.eq("markdown", vim.bo[s.chat.buf].filetype, "chat filetype")
  H.eq(s.chat.input, vim.api.nvim_get_current_buf(), "the prompt window has the focus")

  -- record every change of the chat buffer, to check nothing before the new turn is redrawn
  local changes = {}
  vim.api.nvim_buf_attach(s.chat.buf, false, {
    on_lines = function(_, _, _, first, last_old, last_new)
      table.insert(changes, { first = first, old = last_old, new = last_new })
    end,
  })

  vim.api.nvim_buf_set_lines(s.chat.input, 0, -1, false, { "What is this project?" })
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  H.eq({ "" }, H.lines(s.chat.input), "the prompt is cleared after sending")

  -- the user reads the chat while the answer streams: the cursor stays where they put it
  H.wait(function()
    return H.find(H.lines(s.chat.buf), "^Reading") ~= nil
  end, "streaming to start")
  vim.api.nvim_set_current_win(chat_win)
  vim.api.nvim_win_set_cursor(chat_win, { 2, 3 })
  H.turn_done(s)
  H.eq({ 2, 3 }, vim.api.nvim_win_get_cursor(chat_win), "cursor did not move")

  local lines = H.lines(s.chat.buf)
  H.eq("## You", lines[1], "user heading")
  H.eq("What is this project?", lines[2], "user text")
  local heading = H.ok(H.find(lines, "## Tandem", true), "agent heading")
  local thinking = H.ok(H.find(lines, "^💭 Thinking$"), "thinking header")
  H.eq("    Let me look at the readme first.", lines[thinking + 1], "thinking body")
  local read = H.ok(H.find(lines, "^✓ Read README%.md$"), "the Read tool call, completed")
  H.ok(H.find(lines, "^    .*1\t# Demo project$"), "the tool's output under it")
  local plan = H.ok(H.find(lines, "^📋 Plan %(1/1%)$"), "the plan, updated")
  H.eq("- [x] Read the readme", lines[plan + 1], "plan entry")
  H.eq(nil, H.find(lines, "- [~] Read the readme", true), "the older plan was replaced, not kept")
  local answer = table.concat(vim.list_slice(lines, #lines - 3), "\n")
  H.eq(ANSWER, answer, "the streamed answer, line for line")

  -- folds: tool output and thinking are closed folds under their headers
  vim.api.nvim_win_call(chat_win, function()
    H.eq(thinking, vim.fn.foldclosed(thinking + 1), "thinking folded")
    H.eq(read, vim.fn.foldclosed(read + 1), "tool output folded")
    H.eq(-1, vim.fn.foldclosed(#lines), "the answer is not folded")
  end)

  -- no flicker: nothing above the turn's heading was ever rewritten, and text chunks were batched
  H.eq(0, changes[1].first, "the first change is the user's message")
  for i = 2, #changes do
    local change = changes[i]
    H.ok(change.first >= heading - 2, ("a change at line %d rewrote the user's message"):format(change.first))
  end
  local deltas = #ANSWER / 2
  H.ok(#changes < deltas, ("%d buffer changes for %d streamed deltas: not batched"):format(#changes, deltas))

  -- usage and cost in the winbar
  local bar = vim.api.nvim_eval_statusline(vim.wo[chat_win].winbar, { winid = chat_win, use_winbar = true, maxwidth = 200 }).str
  H.ok(bar:find("Tandem") and bar:find("%$0%.%d%d") and bar:find("%(%d+%%%)"), "winbar shows usage and cost: " .. bar)
  H.ok(bar:find("What is this project%?"), "winbar shows the title: " .. bar)
end)

H.test(":TandemAsk with a range sends the selection as a resource block", function()
  H.script({ { text = "It greets." } })
  vim.cmd("edit src/app.py")
  vim.cmd("1,2TandemAsk What does this do?")
  local s = H.session()
  H.wait(function()
    return s.busy == false and H.find(H.lines(s.chat.buf), "^It greets%.$")
  end, "the answer")
  local body = H.model_requests()[1].body
  local sent = vim.json.encode(body.messages[#body.messages])
  local uri = vim.uri_from_fname(H.workspace .. "/src/app.py") .. "#L1-L2"
  H.ok(sent:find(uri, 1, true), "the selection's uri reached the model: " .. sent)
  H.ok(sent:find("return f'Hello, {name}!'", 1, true), "the selection's text reached the model")
  H.has_line(s.chat.buf, "^📎 src/app%.py#L1%-L2$", "the chat shows the attachment")
end)

H.test(":TandemAsk with a range and no prompt stages the selection and opens the prompt", function()
  H.script({ { text = "Staged context seen." } })
  vim.cmd("edit src/app.py")
  vim.cmd("stopinsert")
  vim.cmd("4,5TandemAsk")
  local s = H.session()
  H.wait(function()
    return vim.api.nvim_get_current_buf() == s.chat.input
  end, "the prompt window to get the focus")
  vim.cmd("stopinsert")
  local input_win = vim.api.nvim_get_current_win()
  local bar = vim.api.nvim_eval_statusline(vim.wo[input_win].winbar, { winid = input_win, use_winbar = true, maxwidth = 200 }).str
  H.ok(bar:find("📎 src/app.py#L4-L5", 1, true), "the prompt's bar shows the staged selection: " .. bar)
  vim.api.nvim_buf_set_lines(s.chat.input, 0, -1, false, { "Explain" })
  vim.api.nvim_feedkeys(vim.keycode("<C-s>"), "x", false)
  H.wait(function()
    return not s.busy and H.find(H.lines(s.chat.buf), "^Staged context seen%.$")
  end, "the answer")
  local sent = vim.json.encode(H.model_requests()[1].body.messages)
  H.ok(sent:find("#L4-L5", 1, true) and sent:find("print(greet('world'))", 1, true), "the staged selection was sent")
  H.eq(0, #s.context, "nothing stays staged")
end)

H.test(":TandemNew shows a fresh session in the chat window", function()
  local old = H.session()
  vim.cmd("TandemNew")
  local s
  H.wait(function()
    s = require("tandem").current()
    return s and s ~= old
  end, "a new session")
  H.eq(s.chat.buf, vim.api.nvim_win_get_buf(require("tandem.chat").window()), "the chat window shows it")
  H.eq({ "" }, H.lines(s.chat.buf), "empty")
  vim.cmd("Tandem")
  H.eq(false, require("tandem.chat").is_open(), ":Tandem closes the chat")
  vim.cmd("Tandem")
  H.wait(function()
    return require("tandem.chat").is_open()
  end, ":Tandem opens it again")
  H.eq(s.chat.buf, vim.api.nvim_win_get_buf(require("tandem.chat").window()), "with the current session")
end)

H.test(":TandemMode changes the mode and completes mode names", function()
  local s = H.session()
  H.eq({ "plan" }, vim.fn.getcompletion("TandemMode pl", "cmdline"), "completion")
  vim.cmd("TandemMode plan")
  H.wait(function()
    return s.mode == "plan"
  end, "plan mode")
  H.ok(require("tandem").statusline():find("plan"), "statusline shows the mode")
  vim.cmd("TandemMode default")
  H.wait(function()
    return s.mode == "default"
  end, "default mode")
end)

H.test(":TandemCancel stops a streaming answer", function()
  H.script({ { text = string.rep("slow words ", 200), chunk = 2, delay = 0.01 } })
  local s = H.session()
  require("tandem").ask("Talk slowly")
  H.wait(function()
    s.chat:flush()
    return H.find(H.lines(s.chat.buf), "^slow words")
  end, "the slow answer to start")
  vim.cmd("TandemCancel")
  H.turn_done(s, 5000)
  H.has_line(s.chat.buf, "^> Cancelled%.$", "the chat says it was cancelled")
end)

H.run()
