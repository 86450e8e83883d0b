-- session/request_permission: show what the agent wants (an edit's diff in a float or in the chat), ask with
-- vim.ui.select (Allow / Always / Reject), then for an optional note to the model with vim.ui.input.

local async = require("tandem.async")
local config = require("tandem.config")
local preview = require("tandem.diff.preview")

local M = {}

---@class tandem.PendingPermission
---@field session_id string
---@field done fun(answer: table)

---@type table<table, tandem.PendingPermission>
local pending = {}

---Edits the user allowed and the server has not applied yet: path -> the diff's old and new text.
---@type table<string, { session_id: string, old: string|nil, new: string }>
local allowed = {}

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

---Asks the user; resolves to { option = PermissionOption, note = string|nil } or { cancelled = true }.
---@param params tandem.RequestPermissionRequest
---@param title string
---@return table
local function ask(params, title)
  local key = {}
  return async.await(function(done)
    pending[key] = { session_id = params.sessionId, done = done }
    async.run(function()
      local option = async.select(params.options or {}, {
        prompt = "Tandem: " .. title,
        kind = "tandem.permission",
        format_item = function(o)
          return o.name
        end,
      })
      if not pending[key] then
        return -- the turn ended while the user was choosing
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

---The handler: runs in the coroutine Neovim gives server requests, so it can wait for the user.
---@param params tandem.RequestPermissionRequest
---@return table result
function M.handle(params, _)
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
  local answer = ask(params, title)
  preview.close(float)
  local option = answer.option
  if s and handle then
    local said = answer.cancelled and "cancelled" or (option and option.name or "rejected")
    if answer.note and answer.note ~= "" then
      said = said .. " (note: " .. answer.note:gsub("\n", " ") .. ")"
    end
    s.chat:permission_done(handle, said)
  end
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

---Ends the prompts of a session that are still open (its turn ended or was cancelled).
---@param session_id string
function M.cancel_session(session_id)
  for path, edit in pairs(allowed) do
    if edit.session_id == session_id then
      allowed[path] = nil
    end
  end
  for key, p in pairs(pending) do
    if p.session_id == session_id then
      pending[key] = nil
      p.done({ cancelled = true })
    end
  end
end

---How many permission prompts are waiting (for tests and the statusline).
---@return integer
function M.count()
  return vim.tbl_count(pending)
end

return M
