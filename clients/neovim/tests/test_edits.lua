-- Edits to open buffers: the agent reads unsaved text, an allowed edit arrives through workspace/applyEdit as one
-- undo step, and text typed while Tandem asks is never overwritten.

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")
H.setup({ permissions = { feedback = false } })

local path = H.workspace .. "/src/app.py"
local ORIGINAL = H.read(path)

local function edit_script(old, new)
  return {
    { blocks = { { type = "tool_use", name = "Read", input = { file_path = path } } } },
    { blocks = { { type = "tool_use", name = "Edit", input = { file_path = path, old_string = old, new_string = new } } } },
    { text = "Edited." },
  }
end

H.test("an allowed edit lands in the buffer through applyEdit, and u undoes only it", function()
  vim.cmd("edit " .. path)
  local buf = vim.api.nvim_get_current_buf()
  vim.cmd("normal! Go# a note the user has not saved")
  local before = H.lines(buf)
  H.script(edit_script("Hello", "Hi"))
  H.stub_select(H.pick("allow_once"))
  vim.cmd("TandemAsk say hi")
  local s = H.session()
  H.turn_done(s)

  local read_result = vim.json.encode(H.model_requests()[2].body.messages)
  H.ok(read_result:find("# a note the user has not saved", 1, true), "the agent read the unsaved buffer")
  local after = H.lines(buf)
  H.eq("    return f'Hi, {name}!'", after[2], "the edit is in the buffer")
  H.eq("# a note the user has not saved", after[#after], "the user's unsaved line is still there")
  H.eq(ORIGINAL, H.read(path), "the file on disk is untouched: the edit went to the buffer")
  H.ok(vim.bo[buf].modified, "the buffer is modified, not saved behind the user's back")

  vim.api.nvim_set_current_buf(buf)
  vim.cmd("normal! u")
  H.eq(before, H.lines(buf), "u undoes the agent's edit, and only it")
  vim.cmd("normal! \18") -- <C-r>
  H.eq(after, H.lines(buf), "<C-r> redoes it")
end)

H.test("text typed while Tandem asks is kept, and the edit is applied over it", function()
  vim.cmd("edit! " .. path) -- back to the file on disk
  local buf = vim.api.nvim_get_current_buf()
  H.script(edit_script("Hello", "Howdy"))
  H.stub_select(function(items)
    -- the user keeps typing in the file while the prompt is open, then allows
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "# typed while Tandem asked" })
    return H.pick("allow_once")(items)
  end)
  local s = H.session()
  require("tandem").ask("say howdy")
  H.turn_done(s)
  local lines = H.lines(buf)
  H.eq("# typed while Tandem asked", lines[#lines], "the typed line survived")
  H.eq("    return f'Howdy, {name}!'", lines[2], "the edit was rebased over the typing and applied")
end)

H.test("an edit made for an older version of the buffer is refused, not applied over the typing", function()
  vim.cmd("edit! " .. path)
  local buf = vim.api.nvim_get_current_buf()
  local version = vim.lsp.util.buf_versions[buf]
  vim.api.nvim_buf_set_lines(buf, 0, 0, false, { "# typed, not yet sent to the server" })
  local client = vim.lsp.get_clients({ name = "tandem" })[1]
  local notes = {}
  local notify = vim.notify
  vim.notify = function(msg)
    table.insert(notes, msg)
  end
  local result = require("tandem.handlers").apply_edit(nil, {
    edit = {
      documentChanges = {
        {
          textDocument = { uri = vim.uri_from_fname(path), version = version },
          edits = { { range = { start = { line = 0, character = 0 }, ["end"] = { line = 1, character = 0 } }, newText = "" } },
        },
      },
    },
  }, { client_id = client.id })
  vim.notify = notify
  H.eq(false, result.applied, "refused")
  H.ok(result.failureReason:find("changed in the editor"), result.failureReason)
  H.ok(notes[1] and notes[1]:find("an edit was not applied"), "the user is told: " .. vim.inspect(notes))
  H.eq("# typed, not yet sent to the server", H.lines(buf)[1], "the typing is intact")
end)

H.test("more typing after an edit never loses a character", function()
  vim.cmd("edit! " .. path)
  local buf = vim.api.nvim_get_current_buf()
  H.script(edit_script("print(greet('world'))", "print(greet('nvim'))"))
  H.stub_select(H.pick("allow_once"))
  local s = H.session()
  require("tandem").ask("greet nvim")
  -- type in bursts while the turn runs
  local typed = {}
  for i = 1, 5 do
    vim.api.nvim_buf_set_lines(buf, 0, 0, false, { "# burst " .. i })
    table.insert(typed, 1, "# burst " .. i)
    vim.wait(20)
  end
  H.turn_done(s)
  local lines = H.lines(buf)
  for i, line in ipairs(typed) do
    H.eq(line, lines[i], "typed line " .. i)
  end
end)

H.run()
