-- The bodies of the user commands that plugin/tandem.lua defines (:Tandem, :TandemAsk, :TandemMode ...).

local async = require("tandem.async")
local session = require("tandem.session")
local util = require("tandem.util")

local M = {}

M.MODES = { "default", "acceptEdits", "plan", "bypassPermissions" }

---Runs `fn(session)` in a coroutine with the current session of the current root, created if needed.
---@param fn fun(s: tandem.Session)
local function with_session(fn)
  local root = util.root()
  async.run(function()
    local s, err = session.ensure(root)
    if not s then
      return util.error(err or "could not start a session")
    end
    fn(s)
  end)
end

---:Tandem — opens or closes the chat of the current project.
function M.toggle()
  if require("tandem.chat").is_open() then
    return require("tandem.chat").close()
  end
  with_session(function(s)
    s.chat:show()
  end)
end

---The selection (a range of lines) of a file buffer as an ACP resource block.
---@param bufnr integer
---@param line1 integer
---@param line2 integer
---@return tandem.EmbeddedResource|nil
function M.selection(bufnr, line1, line2)
  local path = util.buf_path(bufnr)
  if not path then
    return nil
  end
  local lines = vim.api.nvim_buf_get_lines(bufnr, line1 - 1, line2, false)
  return {
    type = "resource",
    resource = {
      uri = ("%s#L%d-L%d"):format(vim.uri_from_fname(path), line1, line2),
      text = table.concat(lines, "\n"),
    },
  }
end

---:[range]TandemAsk [prompt] — sends the prompt (with the range as context), or stages the range and opens the
---prompt window when no prompt is given.
---@param opts { args: string, range: integer, line1: integer, line2: integer }
function M.ask(opts)
  local context = opts.range > 0 and M.selection(vim.api.nvim_get_current_buf(), opts.line1, opts.line2) or nil
  with_session(function(s)
    if vim.trim(opts.args) == "" then
      if context then
        table.insert(s.context, context)
      end
      s.chat:show()
      s.chat:focus_input(true)
      return
    end
    local blocks = require("tandem.chat.input").blocks(opts.args, s.root)
    if context then
      table.insert(blocks, context)
    end
    if session.prompt(s, blocks) then
      s.chat:show({ enter = false })
    end
  end)
end

---:TandemNew — a fresh session in the chat.
function M.new()
  local root = util.root()
  async.run(function()
    local s, err = session.new(root)
    if not s then
      return util.error(err or "could not start a session")
    end
    s.chat:show()
  end)
end

---:TandemSessions — pick a stored session of this project and open it (its history is replayed).
function M.sessions()
  local root = util.root()
  async.run(function()
    local c, err = require("tandem.client").await(root)
    if not c then
      return util.error(err or "no server")
    end
    local list_err, result = require("tandem.client").call(c, "session/list", { cwd = root })
    if list_err then
      return util.error("session/list failed: " .. list_err)
    end
    local items = result and result.sessions or {}
    if #items == 0 then
      return util.notify("no stored sessions for " .. root)
    end
    local choice = async.select(items, {
      prompt = "Tandem sessions",
      kind = "tandem.session",
      format_item = function(item)
        return ("%s  (%s)"):format(item.title or "Untitled", item.updatedAt or "?")
      end,
    })
    if not choice then
      return
    end
    local open = session.by_id[choice.sessionId]
    if open and not open.detached and open.client_id == c.id then
      session.current[root] = open.id
      return open.chat:show()
    end
    local s, load_err = session.load(root, choice.sessionId)
    if not s then
      return util.error("could not load the session: " .. tostring(load_err))
    end
    s.chat:show()
  end)
end

---:TandemMode {mode} — the permission mode of the current session (asks when no mode is given).
---@param opts { args: string }
function M.mode(opts)
  with_session(function(s)
    local mode = vim.trim(opts.args)
    if mode == "" then
      local ids = #s.modes > 0 and vim.tbl_map(function(m)
        return m.id
      end, s.modes) or M.MODES
      mode = async.select(ids, { prompt = "Tandem mode (now " .. tostring(s.mode) .. ")" })
      if not mode then
        return
      end
    end
    local err = session.set_mode(s, mode)
    if err then
      util.error("could not set the mode: " .. err)
    end
  end)
end

---Completion of :TandemMode.
---@param lead string
---@return string[]
function M.complete_mode(lead)
  local s = session.get(util.root())
  local ids = (s and #s.modes > 0) and vim.tbl_map(function(m)
    return m.id
  end, s.modes) or M.MODES
  return vim.tbl_filter(function(id)
    return vim.startswith(id, lead)
  end, ids)
end

---:TandemCancel — stops the running turn.
function M.cancel()
  local s = session.get(util.root())
  if not s then
    return util.notify("no session")
  end
  session.cancel(s)
end

---:TandemAccept[!] / :TandemReject[!] — the hunk under the cursor; with ! every hunk of the file.
---@param action "accept"|"reject"
---@param opts { bang: boolean }
function M.decide(action, opts)
  require("tandem.diff").decide(action, { file = opts.bang })
end

---:TandemAcceptAll / :TandemRejectAll — every pending hunk of every file.
---@param action "accept"|"reject"
function M.decide_all(action)
  require("tandem.diff").decide(action, { all = true })
end

---:TandemReview — the session's changes in the quickfix list.
function M.review()
  local s = session.get(util.root())
  async.run(function()
    require("tandem.diff.review").review(s)
  end)
end

---:TandemRewind — back to before one of your messages.
function M.rewind()
  local s = session.get(util.root())
  if not s then
    return util.notify("no session")
  end
  async.run(function()
    require("tandem.diff.review").rewind(s)
  end)
end

return M
