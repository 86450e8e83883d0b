-- The chat of a session: a read-only Markdown buffer rendered from the server's updates, a prompt buffer under
-- it, and the window layout that :Tandem toggles (one chat window and one prompt window per tab page).

local Renderer = require("tandem.chat.render")
local config = require("tandem.config")
local fold = require("tandem.chat.fold")

local api = vim.api

---@class tandem.Chat
---@field session tandem.Session
---@field buf integer The transcript buffer.
---@field input integer The prompt buffer.
---@field renderer tandem.chat.Renderer
local Chat = {}
Chat.__index = Chat

local M = {}

local WINBAR = "%{%v:lua.require'tandem.statusline'.winbar()%}"
local count = 0

---@param name string
---@param session tandem.Session
---@return integer
local function scratch(name, session)
  local buf = api.nvim_create_buf(false, true)
  count = count + 1
  api.nvim_buf_set_name(buf, ("tandem://%s/%d"):format(name, count))
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].swapfile = false
  vim.b[buf].tandem_root = session.root
  vim.b[buf].tandem_session = session.id
  return buf
end

---Creates the chat buffers of a session (no window yet).
---@param session tandem.Session
---@return tandem.Chat
function M.new(session)
  local self = setmetatable({ session = session }, Chat)
  self.buf = scratch("chat", session)
  vim.bo[self.buf].filetype = "markdown"
  vim.bo[self.buf].undolevels = -1
  vim.bo[self.buf].modifiable = false
  self.renderer = Renderer.new(self.buf)
  fold.renderers[self.buf] = self.renderer
  self.input = require("tandem.chat.input").create(self, scratch("prompt", session))
  local function map(lhs, rhs, desc)
    vim.keymap.set("n", lhs, rhs, { buffer = self.buf, desc = desc, nowait = true })
  end
  map("q", function()
    M.close()
  end, "Close the Tandem chat")
  map("i", function()
    self:focus_input(true)
  end, "Write a message to Tandem")
  return self
end

-- ---- rendering (queued, drawn in batches) -----------------------------------------------------------------------

---@param update table A session/update's `update`.
function Chat:update(update)
  self.renderer:push(update)
end

---Shows the user's message (the server does not echo live prompts).
---@param content tandem.ContentBlock[]
function Chat:user(content)
  self.renderer:later(function(r)
    r:user(content)
  end)
end

---@param text string
function Chat:notice(text)
  self.renderer:later(function(r)
    r:notice(text)
  end)
end

function Chat:turn_done()
  self.renderer:later(function() end)
end

---Draws whatever is queued right away (tests, and before reading the buffer).
function Chat:flush()
  self.renderer:flush()
end

---Adds a permission request to the transcript; returns a handle for permission_done.
---@param request tandem.RequestPermissionRequest
---@param with_diff boolean
---@return table handle
function Chat:permission(request, with_diff)
  local handle = {}
  self.renderer:later(function(r)
    r:heading()
    handle.block = r:append("permission", require("tandem.chat.blocks").permission(request, nil, with_diff))
    handle.request = request
  end)
  return handle
end

---Replaces a permission request's "waiting" line with the answer.
---@param handle table
---@param answer string
function Chat:permission_done(handle, answer)
  self.renderer:later(function(r)
    if handle.block then
      r:rewrite(handle.block, require("tandem.chat.blocks").permission(handle.request, answer, false))
    end
  end)
end

-- ---- windows ---------------------------------------------------------------------------------------------------

---@param flag "tandem_chat"|"tandem_input"
---@return integer|nil
local function find_win(flag)
  for _, win in ipairs(api.nvim_tabpage_list_wins(0)) do
    if vim.w[win][flag] then
      return win
    end
  end
  return nil
end

---@param size number
---@param total integer
---@return integer
local function measure(size, total)
  return size < 1 and math.max(10, math.floor(total * size)) or math.floor(size)
end

---@param win integer
local function style_chat_window(win)
  local wo = vim.wo[win][0]
  wo.wrap, wo.linebreak = true, true
  wo.number, wo.relativenumber, wo.signcolumn = false, false, "no"
  wo.foldmethod = "expr"
  wo.foldexpr = "v:lua.require'tandem.chat.fold'.expr()"
  wo.foldtext = "v:lua.require'tandem.chat.fold'.text()"
  wo.foldlevel = 0
  wo.fillchars = "fold: "
  wo.winbar = WINBAR
  vim.w[win].tandem_chat = true
end

---Opens the chat and prompt windows of this tab page (or reuses them) showing this chat.
---@param opts? { enter?: boolean }
function Chat:show(opts)
  opts = opts or {}
  local previous = api.nvim_get_current_win()
  local win = find_win("tandem_chat")
  if not win then
    local cfg = config.options.chat
    local split = ({ right = "botright vsplit", left = "topleft vsplit", bottom = "botright split", tab = "tabnew" })[cfg.position]
    vim.cmd(split)
    win = api.nvim_get_current_win()
    if cfg.position == "right" or cfg.position == "left" then
      api.nvim_win_set_width(win, measure(cfg.width, vim.o.columns))
      vim.wo[win].winfixwidth = true
    elseif cfg.position == "bottom" then
      api.nvim_win_set_height(win, measure(cfg.height, vim.o.lines))
    end
  end
  api.nvim_win_set_buf(win, self.buf)
  style_chat_window(win)
  local input = find_win("tandem_input")
  if not input then
    api.nvim_set_current_win(win)
    vim.cmd("belowright " .. config.options.chat.input_height .. "split")
    input = api.nvim_get_current_win()
    vim.wo[input].winfixheight = true
  end
  api.nvim_win_set_buf(input, self.input)
  require("tandem.chat.input").style_window(input)
  self:flush()
  pcall(api.nvim_win_set_cursor, win, { api.nvim_buf_line_count(self.buf), 0 })
  if opts.enter == false then
    if api.nvim_win_is_valid(previous) then
      api.nvim_set_current_win(previous)
    end
  else
    api.nvim_set_current_win(input)
  end
end

---@param insert? boolean
function Chat:focus_input(insert)
  local win = find_win("tandem_input")
  if not win then
    self:show()
    win = find_win("tandem_input")
  end
  if win then
    api.nvim_set_current_win(win)
    if insert then
      vim.cmd("startinsert!")
    end
  end
end

---Frees the buffers (a session reopened with :TandemSessions gets a new chat).
function Chat:dispose()
  fold.renderers[self.buf] = nil
  for _, buf in ipairs({ self.buf, self.input }) do
    if api.nvim_buf_is_valid(buf) then
      pcall(api.nvim_buf_delete, buf, { force = true })
    end
  end
end

---True when this tab page shows a chat window.
---@return boolean
function M.is_open()
  return find_win("tandem_chat") ~= nil
end

---The chat window of this tab page, if any.
---@return integer|nil
function M.window()
  return find_win("tandem_chat")
end

---Closes the chat and prompt windows of this tab page.
function M.close()
  for _, flag in ipairs({ "tandem_input", "tandem_chat" }) do
    local win = find_win(flag)
    if win then
      if #api.nvim_tabpage_list_wins(0) == 1 then
        vim.cmd("enew")
        vim.w[win][flag] = nil
      else
        api.nvim_win_close(win, true)
      end
    end
  end
end

return M
