-- Sessions as Neovim sees them: the registry (by id, the current one per root), their state from session/update,
-- and the session/* calls (new, load, resume, prompt, cancel, set_mode).

local client = require("tandem.client")
local util = require("tandem.util")

local M = {}

---@class tandem.Session
---@field id string
---@field root string
---@field client_id integer
---@field chat tandem.Chat
---@field mode string|nil The current permission mode id.
---@field modes tandem.SessionMode[]
---@field config_options tandem.SessionConfigOption[]
---@field commands tandem.AvailableCommand[]
---@field usage tandem.UsageUpdate|nil The last usage_update.
---@field title string|nil
---@field busy boolean A turn is running.
---@field detached boolean Its server stopped; the next prompt resumes it on a new one.
---@field context tandem.ContentBlock[] Blocks staged for the next prompt (selections from :TandemAsk).
---@field prompts string[] The user's prompts in order (for :TandemRewind).
---@field last_user_message string|nil messageId of the last replayed user message chunk.

---@type table<string, tandem.Session>
M.by_id = {}
---@type table<string, string> root -> session id
M.current = {}

local redraw_pending = false
local function redraw_status()
  if redraw_pending then
    return
  end
  redraw_pending = true
  vim.schedule(function()
    redraw_pending = false
    vim.cmd("redrawstatus!")
  end)
end

---@param root string
---@param client_id integer
---@param id string
---@param result table|nil session/new or session/load result
---@return tandem.Session
local function register(root, client_id, id, result)
  ---@type tandem.Session
  local s = {
    id = id,
    root = root,
    client_id = client_id,
    modes = {},
    config_options = {},
    commands = {},
    busy = false,
    detached = false,
    context = {},
    prompts = {},
  }
  M.apply_result(s, result)
  s.chat = require("tandem.chat").new(s)
  M.by_id[id] = s
  M.current[root] = id
  return s
end

---Takes modes and config options from a session/new, load or resume result.
---@param s tandem.Session
---@param result table|nil
function M.apply_result(s, result)
  if type(result) ~= "table" then
    return
  end
  if result.modes then
    s.mode = result.modes.currentModeId
    s.modes = result.modes.availableModes or s.modes
  end
  s.config_options = result.configOptions or s.config_options
  redraw_status()
end

---The current session of `root`, if one is open.
---@param root string
---@return tandem.Session|nil
function M.get(root)
  local id = M.current[root]
  return id and M.by_id[id] or nil
end

---Creates a session on the server of `root` (coroutine).
---@param root string
---@return tandem.Session|nil, string|nil err
function M.new(root)
  local c, err = client.await(root)
  if not c then
    return nil, err
  end
  local call_err, result = client.call(c, "session/new", { cwd = root, mcpServers = {} })
  if call_err then
    return nil, call_err
  end
  return register(root, c.id, result.sessionId, result)
end

---The current session of `root`, created when there is none (coroutine).
---@param root string
---@return tandem.Session|nil, string|nil err
function M.ensure(root)
  local s = M.get(root)
  if s then
    return s
  end
  return M.new(root)
end

---Opens a stored session in a new chat; its history is replayed into the chat (coroutine).
---@param root string
---@param id string
---@return tandem.Session|nil, string|nil err
function M.load(root, id)
  local c, err = client.await(root)
  if not c then
    return nil, err
  end
  local old = M.by_id[id]
  local s = register(root, c.id, id, nil) -- before the request: the replay arrives before its answer
  if old then -- the new chat takes the old one's window (no layout change), then the old one goes
    if #vim.fn.win_findbuf(old.chat.buf) > 0 then
      s.chat:show({ enter = false })
    end
    old.chat:dispose()
  end
  local call_err, result = client.call(c, "session/load", { sessionId = id, cwd = root, mcpServers = {} })
  if call_err then
    s.chat:notice("⚠ Could not load the session: " .. call_err)
    return nil, call_err
  end
  M.apply_result(s, result)
  return s
end

---Reattaches a session whose server stopped to a new server, without replaying it (coroutine).
---@param s tandem.Session
---@return boolean ok, string|nil err
function M.resume(s)
  local c, err = client.await(s.root)
  if not c then
    return false, err
  end
  local call_err, result = client.call(c, "session/resume", { sessionId = s.id, cwd = s.root, mcpServers = {} })
  if call_err then
    return false, call_err
  end
  s.client_id, s.detached = c.id, false
  M.apply_result(s, result)
  return true
end

---The live LSP client of a session, resuming it first when its server stopped (coroutine).
---@param s tandem.Session
---@return vim.lsp.Client|nil, string|nil err
function M.client_of(s)
  if s.detached then
    local ok, err = M.resume(s)
    if not ok then
      return nil, err
    end
  end
  local c = vim.lsp.get_client_by_id(s.client_id)
  if not c or c:is_stopped() then
    return nil, "the Tandem server of this session is not running"
  end
  return c
end

---@param s tandem.Session
---@param response table|nil
---@param err string|nil
local function turn_ended(s, response, err)
  s.busy = false
  require("tandem.permission").cancel_session(s.id)
  if err then
    s.chat:notice("⚠ " .. err)
  elseif response and response.stopReason and response.stopReason ~= "end_turn" then
    local why = {
      cancelled = "Cancelled.",
      max_tokens = "Stopped: the answer reached the token limit.",
      max_turn_requests = "Stopped: too many model requests in one turn.",
      refusal = "The model refused to continue.",
    }
    s.chat:notice(why[response.stopReason] or ("Stopped: " .. response.stopReason))
  end
  s.chat:turn_done()
  redraw_status()
end

---Sends a prompt (a list of ACP content blocks; staged context is added) and shows it in the chat (coroutine).
---@param s tandem.Session
---@param blocks tandem.ContentBlock[]
---@return boolean sent
function M.prompt(s, blocks)
  if s.busy then
    util.notify("Tandem is still working on the last message (:TandemCancel stops it)", vim.log.levels.WARN)
    return false
  end
  local c, err = M.client_of(s)
  if not c then
    util.error(err or "no server")
    return false
  end
  vim.list_extend(blocks, s.context)
  s.context = {}
  for _, block in ipairs(blocks) do
    if block.type == "text" then
      table.insert(s.prompts, block.text)
      break
    end
  end
  s.busy = true
  s.chat:user(blocks)
  redraw_status()
  client.request(c, "session/prompt", { sessionId = s.id, prompt = blocks }, function(call_err, response)
    turn_ended(s, response, call_err)
  end)
  return true
end

---Stops the running turn (session/cancel is a notification; the prompt then ends with stopReason cancelled).
---@param s tandem.Session
function M.cancel(s)
  local c = vim.lsp.get_client_by_id(s.client_id)
  if c and not c:is_stopped() then
    client.notify(c, "session/cancel", { sessionId = s.id })
  end
  require("tandem.permission").cancel_session(s.id)
end

---Changes the permission mode (coroutine).
---@param s tandem.Session
---@param mode string
---@return string|nil err
function M.set_mode(s, mode)
  local c, err = M.client_of(s)
  if not c then
    return err
  end
  local call_err = client.call(c, "session/set_mode", { sessionId = s.id, modeId = mode })
  if not call_err then
    s.mode = mode
    redraw_status()
  end
  return call_err
end

---Routes one session/update to its session's state and chat.
---@param client_id integer
---@param params tandem.SessionNotification
function M.on_update(client_id, params)
  local s = params and M.by_id[params.sessionId]
  if not s or s.client_id ~= client_id then
    return
  end
  local u = params.update
  local kind = u.sessionUpdate
  if kind == "usage_update" then
    s.usage = u
  elseif kind == "current_mode_update" then
    if s.mode and s.mode ~= u.currentModeId then
      s.chat:notice("Mode: " .. u.currentModeId)
    end
    s.mode = u.currentModeId
  elseif kind == "config_option_update" then
    s.config_options = u.configOptions or s.config_options
  elseif kind == "session_info_update" then
    if type(u.title) == "string" then
      s.title = u.title
    end
  elseif kind == "available_commands_update" then
    s.commands = u.availableCommands or {}
  elseif kind == "user_message_chunk" and u.content and u.content.type == "text" then
    if not (u.messageId and u.messageId == s.last_user_message) then
      table.insert(s.prompts, u.content.text)
    end
    s.last_user_message = u.messageId
  elseif kind == "tool_call_update" and (u.status == "completed" or u.status == "failed") then
    require("tandem.permission").cancel(s.id, u.toolCallId) -- decided elsewhere: close its prompt
  end
  s.chat:update(u)
  if kind ~= "agent_message_chunk" and kind ~= "agent_thought_chunk" then
    redraw_status()
  end
end

---A server stopped: its sessions keep their chats and resume on a new server with the next prompt.
---@param client_id integer
---@param code integer
---@param signal integer
function M.on_client_exit(client_id, code, signal)
  for _, s in pairs(M.by_id) do
    if s.client_id == client_id and not s.detached then
      s.detached = true
      if s.busy then
        turn_ended(s, nil, nil)
      end
      s.chat:notice(("⚠ The Tandem server stopped (exit code %s, signal %s). The session is saved: send a message "
        .. "to resume it, or reopen it with :TandemSessions."):format(code, signal))
    end
  end
  redraw_status()
end

return M
