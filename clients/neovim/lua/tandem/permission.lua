-- session/request_permission: show what the agent wants (an edit's diff in a float or in the chat), ask with
-- vim.ui.select (Allow / Always / Reject, plus "Review hunks in the file" for edits), then for an optional note to
-- the model with vim.ui.input. A prompt closes by itself when its tool call or its turn ends (the server decided,
-- e.g. because the hunks were accepted or rejected in the file).

local async = require("tandem.async")
local config = require("tandem.config")
local preview = require("tandem.diff.preview")

local M = {}

---@class tandem.PendingPermission
---@field session_id string
---@field tool_call_id string|nil
---@field done fun(answer: table)

---@type table<table, tandem.PendingPermission>
local pending = {}

---Edits the user allowed and the server has not applied yet: path -> the diff's old and new text.
---@type table<string, { session_id: string, old: string|nil, new: string }>
local allowed = {}

M.REVIEW = { name = "Review hunks in the file", kind = "tandem_review", optionId = "" }

---@param options tandem.PermissionOption[]
---@param kind string
---@return tandem.PermissionOption|nil
local function option_of_kind(options, kind)
  for _, option in ipairs(options or {}) do
    if option.kind == kind then
      return option
    end
  end
  return nil
end

---Opens the first diff's file in a normal window, at its first hunk, for :TandemAccept / :TandemReject.
---@param diffs tandem.DiffToolCallContent[]
local function review_in_file(diffs)
  local item = diffs[1]
  local win = vim.api.nvim_get_current_win()
  if vim.w[win].tandem_chat or vim.w[win].tandem_input or vim.api.nvim_win_get_config(win).relative ~= "" then
    for _, other in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if not (vim.w[other].tandem_chat or vim.w[other].tandem_input) and vim.api.nvim_win_get_config(other).relative == "" then
        win = other
        break
      end
    end
  end
  local shown = vim.fn.bufwinid(item.path)
  if shown ~= -1 then
    win = shown
  else -- show its buffer without reloading it (it may hold unsaved text)
    local bufnr = vim.fn.bufadd(item.path)
    vim.fn.bufload(bufnr)
    vim.bo[bufnr].buflisted = true
    vim.api.nvim_win_set_buf(win, bufnr)
  end
  vim.api.nvim_set_current_win(win)
  local hunks = vim.tbl_get(item, "_meta", "tandem", "hunks") or {}
  if hunks[1] and hunks[1].oldStart then
    pcall(vim.api.nvim_win_set_cursor, 0, { math.max(hunks[1].oldStart, 1), 0 })
  end
end

---Asks the user; resolves to { option, note } or { cancelled = true } (the tool call or turn ended first).
---@param params tandem.RequestPermissionRequest
---@param title string
---@param diffs tandem.DiffToolCallContent[]
---@param on_review fun() called when the user chooses to review in the file
---@return table
local function ask(params, title, diffs, on_review)
  local key = {}
  local items = vim.list_extend({}, params.options or {})
  if #diffs > 0 then
    table.insert(items, M.REVIEW)
  end
  return async.await(function(done)
    pending[key] = { session_id = params.sessionId, tool_call_id = (params.toolCall or {}).toolCallId, done = done }
    async.run(function()
      local option = async.select(items, {
        prompt = "Tandem: " .. title,
        kind = "tandem.permission",
        format_item = function(o)
          return o.name
        end,
      })
      if not pending[key] then
        return -- the tool call or the turn ended while the user was choosing
      end
      if option == M.REVIEW then
        on_review()
        return review_in_file(diffs) -- stays pending: the hunks are decided in the file
      end
      local chosen = option
      option = option or option_of_kind(params.options, "reject_once") -- dismissed: a rejection, no questions
      local note
      if chosen and config.options.permissions.feedback then
        note = async.input({ prompt = "Note to Tandem (optional): " })
      end
      if pending[key] then
        pending[key] = nil
        done({ option = option, note = note })
      end
    end)
  end)
end

---@param answer table
---@param reviewing boolean
---@return string
local function describe(answer, reviewing)
  if answer.cancelled then
    return reviewing and "decided in the file" or "closed (the tool call ended)"
  end
  local said = answer.option and answer.option.name or "rejected"
  if answer.note and answer.note ~= "" then
    said = said .. " (note: " .. answer.note:gsub("\n", " ") .. ")"
  end
  return said
end

---Sends the didChange notifications Neovim holds back (debounced), so the server sees what the user typed while
---the question was open before it applies the answer (it rebases the edit over that text).
---@param client_id integer|nil
local function flush_changes(client_id)
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  local ok, changetracking = pcall(require, "vim.lsp._changetracking")
  if client and ok and type(changetracking.flush) == "function" then
    pcall(changetracking.flush, client)
  end
end

---The handler: runs in the coroutine Neovim gives server requests, so it can wait for the user.
---@param params tandem.RequestPermissionRequest
---@return table result
function M.handle(params, ctx)
  local s = require("tandem.session").by_id[params.sessionId]
  local tool = params.toolCall or {}
  local title = (tool.title or tool.name or "run a tool"):gsub("\n", " ")
  local diffs = vim.tbl_filter(function(item)
    return item.type == "diff"
  end, tool.content or {})
  local in_chat = config.options.permissions.preview == "chat" or vim.tbl_isempty(diffs)
  local handle = s and s.chat:permission(params, in_chat)
  if s then
    s.chat:flush()
  end
  local float = (not in_chat) and preview.open(diffs, title) or nil
  local reviewing = false
  local answer = ask(params, title, diffs, function()
    reviewing = true
    preview.close(float)
    if s and handle then
      s.chat:permission_done(handle, "reviewing in the file (:TandemAccept / :TandemReject)")
    end
  end)
  preview.close(float)
  if s and handle then
    s.chat:permission_done(handle, describe(answer, reviewing))
  end
  local option = answer.option
  if answer.cancelled or not option then
    return { outcome = { outcome = "cancelled" } }
  end
  if option.kind == "allow_once" or option.kind == "allow_always" then
    for _, item in ipairs(diffs) do
      allowed[item.path] = { session_id = params.sessionId, old = item.oldText, new = item.newText }
    end
  end
  local result = { outcome = { outcome = "selected", optionId = option.optionId } }
  if answer.note and vim.trim(answer.note) ~= "" then
    result._meta = { tandem = { feedback = vim.trim(answer.note) } }
  end
  flush_changes(ctx and ctx.client_id)
  return result
end

---The allowed edit of `path` waiting to be applied, if any (it is forgotten once taken).
---@param path string
---@return { old: string|nil, new: string }|nil
function M.take_allowed(path)
  local edit = allowed[path]
  allowed[path] = nil
  return edit
end

---Closes the open prompts of a session, or of one of its tool calls (it ended: the server no longer waits).
---@param session_id string
---@param tool_call_id? string
function M.cancel(session_id, tool_call_id)
  for key, p in pairs(pending) do
    if p.session_id == session_id and (tool_call_id == nil or p.tool_call_id == tool_call_id) then
      pending[key] = nil
      p.done({ cancelled = true })
    end
  end
end

---Closes every open prompt of a session and forgets its allowed edits (its turn ended).
---@param session_id string
function M.cancel_session(session_id)
  for path, edit in pairs(allowed) do
    if edit.session_id == session_id then
      allowed[path] = nil
    end
  end
  M.cancel(session_id)
end

---How many permission prompts are waiting.
---@return integer
function M.count()
  return vim.tbl_count(pending)
end

return M
