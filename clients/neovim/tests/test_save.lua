-- The save policy of the agent's edits (`save_agent_edits`): a buffer with no unsaved changes is written right after
-- the agent's edit is applied through workspace/applyEdit, so the agent's next command reads the new file; a buffer
-- the user was typing in is never written behind their back; the option off writes nothing.

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")
H.setup({ permissions = { feedback = false } })

local TEXT = "def greet(name):\n    return f'Hello, {name}!'\n\n\nprint(greet('world'))\n"

---A fresh file of the workspace, opened in a clean buffer.
---@param name string
---@return string path, integer buf
local function open_clean(name)
  local path = H.workspace .. "/src/" .. name
  vim.fn.writefile(vim.split(TEXT, "\n", { trimempty = true }), path)
  vim.cmd("1wincmd w") -- the editing window, not the chat's
  vim.cmd("edit " .. path)
  local buf = vim.api.nvim_get_current_buf()
  H.ok(not vim.bo[buf].modified, "the buffer starts clean")
  return path, buf
end

local function edit_script(path, old, new, after)
  local items = {
    { blocks = { { type = "tool_use", name = "Read", input = { file_path = path } } } },
    { blocks = { { type = "tool_use", name = "Edit", input = { file_path = path, old_string = old, new_string = new } } } },
  }
  vim.list_extend(items, after or {})
  table.insert(items, { text = "Edited." })
  return items
end

H.test("a clean buffer is written after the edit, hooks run, and the agent's next command reads the new file", function()
  local path, buf = open_clean("clean.py")
  local writes = 0
  vim.api.nvim_create_autocmd("BufWritePost", {
    buffer = buf,
    callback = function()
      writes = writes + 1
    end,
  })
  -- the command prints line 2 in capitals: only its output (not the tool input) can hold that text
  H.script(edit_script(path, "Hello", "Saved", {
    { blocks = { { type = "tool_use", name = "Bash", input = { command = "sed -n 2p " .. path .. " | tr a-z A-Z" } } } },
  }))
  H.stub_select(H.pick("allow_once"))
  vim.cmd("TandemAsk edit and run")
  local s = H.session()
  H.turn_done(s)

  H.eq("    return f'Saved, {name}!'", H.lines(buf)[2], "the edit is in the buffer")
  H.eq(table.concat(H.lines(buf), "\n"), H.read(path), "the file on disk holds the buffer")
  H.ok(not vim.bo[buf].modified, "the buffer is not modified")
  H.eq(1, writes, "written once, with the user's BufWritePost hooks (not noautocmd)")
  local requests = H.model_requests()
  local last = vim.json.encode(requests[#requests].body.messages)
  H.ok(last:find("RETURN F'SAVED, {NAME}!'", 1, true), "the Bash command after the edit read the new file from disk")
  vim.api.nvim_buf_call(buf, function()
    vim.cmd("silent undo")
  end)
  H.eq("    return f'Hello, {name}!'", H.lines(buf)[2], "u still undoes the agent's edit")
  H.ok(vim.bo[buf].modified, "and the undo is the user's to save")
end)

H.test("a buffer with unsaved typing is not written: the agent's change lands on top, still modified", function()
  local path, buf = open_clean("dirty.py")
  vim.cmd("normal! Go# the user's unsaved line")
  H.script(edit_script(path, "Hello", "Howdy"))
  H.stub_select(H.pick("allow_once"))
  local s = H.session()
  require("tandem").ask("say howdy")
  H.turn_done(s)
  local lines = H.lines(buf)
  H.eq("    return f'Howdy, {name}!'", lines[2], "the agent's change is in the buffer")
  H.eq("# the user's unsaved line", lines[#lines], "the user's text is kept")
  H.ok(vim.bo[buf].modified, "the buffer is still modified")
  H.eq(TEXT:gsub("\n$", ""), H.read(path), "the file on disk is unchanged")
end)

H.test("a buffer whose file changed on disk since it was read is not written over it", function()
  local path, buf = open_clean("changed.py")
  H.script(edit_script(path, "Hello", "Hey"))
  H.stub_select(function(items)
    -- something else writes the file while Tandem asks; Neovim has not reloaded the buffer
    vim.fn.writefile({ "# written by another program" }, path)
    return H.pick("allow_once")(items)
  end)
  local notify, notes = vim.notify, {}
  vim.notify = function(msg)
    table.insert(notes, msg)
  end
  local s = H.session()
  require("tandem").ask("say hey")
  H.turn_done(s)
  vim.notify = notify
  H.eq("    return f'Hey, {name}!'", H.lines(buf)[2], "the edit is in the buffer")
  H.ok(vim.bo[buf].modified, "left modified")
  H.eq("# written by another program", H.read(path), "the other program's file is untouched")
  H.ok(notes[1] and notes[1]:find("changed on disk"), "the user is told: " .. vim.inspect(notes))
  vim.cmd("bwipeout! " .. buf)
end)

H.test("save_agent_edits = false: nothing is written", function()
  local config = require("tandem.config")
  config.options.save_agent_edits = false
  local path, buf = open_clean("off.py")
  H.script(edit_script(path, "Hello", "Hi"))
  H.stub_select(H.pick("allow_once"))
  local s = H.session()
  require("tandem").ask("say hi")
  H.turn_done(s)
  config.options.save_agent_edits = true
  H.eq("    return f'Hi, {name}!'", H.lines(buf)[2], "the edit is in the buffer")
  H.ok(vim.bo[buf].modified, "the buffer is modified")
  H.eq(TEXT:gsub("\n$", ""), H.read(path), "the file on disk is unchanged")
end)

H.test("the option is checked: a boolean, on by default", function()
  H.eq(true, require("tandem.config").defaults.save_agent_edits, "default on")
  H.ok(not pcall(require("tandem.config").setup, { save_agent_edits = "yes" }), "a string is refused")
  H.setup({ permissions = { feedback = false } })
end)

H.run()
