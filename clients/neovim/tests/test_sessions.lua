-- Sessions survive the server: kill -9 it, the chat says so; :TandemSessions on a new server replays the
-- transcript; a message in a chat whose server died resumes the session on a new one.

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")
H.setup()

local first_id

local function kill_server()
  local pids = H.server_pids()
  H.eq(1, #pids, "one tandem serve process")
  vim.uv.kill(pids[1], "sigkill")
  H.wait(function()
    return #vim.lsp.get_clients({ name = "tandem" }) == 0
  end, "the client to notice the server died")
end

H.test("after kill -9, :TandemSessions reloads the transcript on a new server", function()
  H.script({
    { blocks = { { type = "text", text = "Let me read it." }, { type = "tool_use", name = "Read", input = { file_path = H.workspace .. "/README.md" } } } },
    { text = "The project is a demo." },
  })
  vim.cmd("Tandem")
  local s = H.session()
  first_id = s.id
  require("tandem").ask("What is this project?")
  H.turn_done(s)
  local shown = H.lines(s.chat.buf)

  kill_server()
  H.wait(function()
    s.chat:flush()
    return H.find(H.lines(s.chat.buf), "^> ⚠ The Tandem server stopped")
  end, "the chat to say the server stopped")
  H.ok(s.detached, "the session is detached")
  H.ok(require("tandem.statusline").component(s.chat.buf):find("stopped"), "the statusline says so")

  local picked
  H.stub_select(function(items)
    picked = items
    for _, item in ipairs(items) do
      if item.sessionId == first_id then
        return item
      end
    end
  end)
  vim.cmd("TandemSessions")
  local loaded
  H.wait(function()
    loaded = require("tandem.session").by_id[first_id]
    return loaded and loaded ~= s and not loaded.detached and H.find(H.lines(loaded.chat.buf), "^The project is a demo%.$")
  end, "the session loaded with its history")
  loaded.chat:flush()
  H.ok(#picked >= 1 and picked[1].title == "What is this project?", "the list shows titles: " .. vim.inspect(picked[1]))
  H.eq(1, #H.server_pids(), "a new server runs")
  local replayed = H.lines(loaded.chat.buf)
  local without_notice = vim.tbl_filter(function(line)
    return not line:find("^> ")
  end, shown)
  while without_notice[#without_notice] == "" do
    table.remove(without_notice)
  end
  H.eq(without_notice, replayed, "the replayed transcript is the one shown before the crash")
  H.wait(function()
    local win = require("tandem.chat").window()
    return win and vim.api.nvim_win_get_buf(win) == loaded.chat.buf
  end, "the chat window to show it")

  H.script({ { text = "Yes, still here." } })
  require("tandem").ask("And now?")
  H.turn_done(loaded)
  H.has_line(loaded.chat.buf, "^Yes, still here%.$", "the conversation goes on")
  local messages = H.model_requests()[1].body.messages
  H.ok(vim.json.encode(messages[1]):find("What is this project?", 1, true), "the model got the old history")
end)

H.test("a message in a chat whose server died resumes the session", function()
  local s = require("tandem").current()
  kill_server()
  H.wait(function()
    return s.detached
  end, "detached")
  H.script({ { text = "Resumed." } })
  local before = #H.lines(s.chat.buf)
  vim.api.nvim_buf_set_lines(s.chat.input, 0, -1, false, { "Are you there?" })
  require("tandem.chat.input").send(s.chat)
  H.wait(function()
    s.chat:flush()
    return H.find(H.lines(s.chat.buf), "^Resumed%.$")
  end, "the answer from the new server")
  H.turn_done(s)
  H.ok(not s.detached, "attached again")
  H.has_line(s.chat.buf, "^Resumed%.$", "answered on the new server")
  H.ok(#H.lines(s.chat.buf) > before, "appended to the same chat, no replay")
  H.eq(1, #vim.tbl_filter(function(line)
    return line == "The project is a demo."
  end, H.lines(s.chat.buf)), "the history was not replayed twice")
end)

H.run()
