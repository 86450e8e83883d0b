-- Streaming render of one chat buffer: a list of parts ("blocks") kept in buffer order with their line counts.
-- Updates are queued and drawn in batches; streamed text is appended to the last line with nvim_buf_set_text, so
-- nothing above is redrawn and no window's cursor moves. Tool calls and the plan are rewritten in place.

local blocks = require("tandem.chat.blocks")
local config = require("tandem.config")

local api = vim.api

---@class tandem.chat.Block
---@field kind "user"|"heading"|"agent"|"thought"|"tool"|"plan"|"permission"|"notice"
---@field id string|nil messageId or toolCallId
---@field n integer Lines in the buffer, separator included.
---@field sep boolean The first line is the blank separator.
---@field fold boolean Header and body form a fold.
---@field indent string Prefix of streamed continuation lines.
---@field record table|nil A tool call's merged fields.

---@class tandem.chat.Renderer
---@field buf integer
---@field blocks tandem.chat.Block[]
---@field total integer Lines owned by blocks (0: the buffer is still empty).
---@field queue table[] Pending updates and actions, in arrival order.
---@field scheduled boolean
---@field tools table<string, tandem.chat.Block>
---@field plan_block tandem.chat.Block|nil
---@field need_heading boolean The next agent output starts a new "## Tandem" section.
---@field starts integer[]|nil Cached start row of each block.
local R = {}
R.__index = R

---@param buf integer
---@return tandem.chat.Renderer
function R.new(buf)
  return setmetatable({
    buf = buf,
    blocks = {},
    total = 0,
    queue = {},
    scheduled = false,
    tools = {},
    need_heading = true,
  }, R)
end

-- ---- queue -----------------------------------------------------------------------------------------------------

local function is_chunk(u)
  return (u.sessionUpdate == "agent_message_chunk" or u.sessionUpdate == "agent_thought_chunk")
    and type(u.content) == "table"
    and u.content.type == "text"
end

---Queues a session/update (consecutive text chunks of one message are joined) and schedules a draw.
---@param update table
function R:push(update)
  local last = self.queue[#self.queue]
  if
    last
    and last.update
    and is_chunk(update)
    and is_chunk(last.update)
    and last.update.sessionUpdate == update.sessionUpdate
    and last.update.messageId == update.messageId
  then
    last.update.content.text = last.update.content.text .. update.content.text
  else
    local copy = vim.deepcopy(update)
    table.insert(self.queue, { update = copy })
  end
  self:schedule()
end

---Queues an action on the renderer, run in order with the updates.
---@param fn fun(self: tandem.chat.Renderer)
function R:later(fn)
  table.insert(self.queue, { fn = fn })
  self:schedule()
end

function R:schedule()
  if self.scheduled then
    return
  end
  self.scheduled = true
  vim.defer_fn(function()
    self:flush()
  end, config.options.chat.render_interval_ms)
end

---Draws everything queued, now.
function R:flush()
  self.scheduled = false
  if #self.queue == 0 or not api.nvim_buf_is_valid(self.buf) then
    self.queue = {}
    return
  end
  local queue = self.queue
  self.queue = {}
  local followers = self:followers()
  vim.bo[self.buf].modifiable = true
  for _, item in ipairs(queue) do
    local ok, err = pcall(function()
      if item.fn then
        item.fn(self)
      else
        self:apply(item.update)
      end
    end)
    if not ok then
      vim.notify("Tandem: chat render failed: " .. tostring(err), vim.log.levels.WARN)
    end
  end
  vim.bo[self.buf].modifiable = false
  local last = api.nvim_buf_line_count(self.buf)
  for _, win in ipairs(followers) do
    pcall(api.nvim_win_set_cursor, win, { last, 0 })
  end
end

---Chat windows, other than the current one, whose cursor sits on the last line: they follow the stream.
---@return integer[]
function R:followers()
  if not config.options.chat.follow then
    return {}
  end
  local wins = {}
  local last = api.nvim_buf_line_count(self.buf)
  for _, win in ipairs(vim.fn.win_findbuf(self.buf)) do
    if win ~= api.nvim_get_current_win() and api.nvim_win_get_cursor(win)[1] >= last then
      table.insert(wins, win)
    end
  end
  return wins
end

-- ---- blocks in the buffer --------------------------------------------------------------------------------------

---The 0-based row of each block's first line.
---@return integer[]
function R:block_starts()
  if not self.starts then
    local starts, row = {}, 0
    for i, block in ipairs(self.blocks) do
      starts[i] = row
      row = row + block.n
    end
    self.starts = starts
  end
  return self.starts
end

---@param block tandem.chat.Block
---@return integer
function R:start_of(block)
  local starts = self:block_starts()
  for i = #self.blocks, 1, -1 do
    if self.blocks[i] == block then
      return starts[i]
    end
  end
  error("block not in this chat")
end

---Appends a block made of `lines` (a blank separator goes first unless the buffer is empty).
---@param kind string
---@param lines string[]
---@param opts? { id?: string, fold?: boolean, indent?: string, record?: table }
---@return tandem.chat.Block
function R:append(kind, lines, opts)
  opts = opts or {}
  local block = {
    kind = kind,
    id = opts.id,
    fold = opts.fold or false,
    indent = opts.indent or "",
    record = opts.record,
    sep = self.total > 0,
  }
  if block.sep then
    lines = { "", unpack(lines) }
  end
  -- the model first: 'foldexpr' runs during the buffer change and must see the new layout
  local at = self.total
  block.n = #lines
  self.total = self.total + block.n
  table.insert(self.blocks, block)
  self.starts = nil
  api.nvim_buf_set_lines(self.buf, at, block.sep and at or -1, true, lines)
  return block
end

---Replaces the lines of a block (its separator is kept).
---@param block tandem.chat.Block
---@param lines string[]
function R:rewrite(block, lines)
  local start = self:start_of(block)
  if block.sep then
    lines = { "", unpack(lines) }
  end
  local old_n = block.n
  self.total = self.total + #lines - old_n
  block.n = #lines
  self.starts = nil
  api.nvim_buf_set_lines(self.buf, start, start + old_n, true, lines)
end

---Appends streamed text to the last block, at the end of its last line.
---@param block tandem.chat.Block
---@param text string
function R:stream(block, text)
  assert(self.blocks[#self.blocks] == block, "only the last block streams")
  local row = self.total - 1
  local line = api.nvim_buf_get_lines(self.buf, row, row + 1, true)[1]
  local parts = vim.split(text, "\n", { plain = true })
  for i = 2, #parts do
    parts[i] = block.indent .. parts[i]
  end
  block.n = block.n + #parts - 1
  self.total = self.total + #parts - 1
  api.nvim_buf_set_text(self.buf, row, #line, row, #line, parts)
end

-- ---- what each update does -------------------------------------------------------------------------------------

---Starts the agent's section of a turn once, before its first output.
function R:heading()
  if self.need_heading then
    self.need_heading = false
    self:append("heading", { "## Tandem" })
  end
end

---@param kind "agent"|"thought"
---@param id string|nil
---@param text string
function R:chunk(kind, id, text)
  self:heading()
  local last = self.blocks[#self.blocks]
  if not (last and last.kind == kind and last.id == id) then
    if kind == "thought" then
      last = self:append(kind, { blocks.thought_header(), blocks.BODY }, { id = id, fold = true, indent = blocks.BODY })
    else
      last = self:append(kind, { "" }, { id = id })
    end
  end
  self:stream(last, text)
end

---@param u table tool_call or tool_call_update
function R:tool(u)
  self:heading()
  local block = self.tools[u.toolCallId]
  if not block then
    local record = {}
    block = self:append("tool", { "" }, { id = u.toolCallId, fold = true, record = record })
    self.tools[u.toolCallId] = block
  end
  for key, value in pairs(u) do
    if key ~= "sessionUpdate" then
      block.record[key] = value
    end
  end
  self:rewrite(block, blocks.tool(block.record))
end

---@param u table
function R:apply(u)
  local kind = u.sessionUpdate
  if kind == "agent_message_chunk" or kind == "agent_thought_chunk" then
    local text = u.content and u.content.type == "text" and u.content.text or blocks.content_text(u.content)
    self:chunk(kind == "agent_message_chunk" and "agent" or "thought", u.messageId, text)
  elseif kind == "user_message_chunk" then
    local last = self.blocks[#self.blocks]
    if last and last.kind == "user" and u.messageId and last.id == u.messageId then
      self:stream(last, blocks.content_text(u.content))
    else
      self:user({ u.content }, u.messageId)
    end
  elseif kind == "tool_call" or kind == "tool_call_update" then
    self:tool(u)
  elseif kind == "plan" then
    self:heading()
    if self.plan_block then
      self:rewrite(self.plan_block, blocks.plan(u.entries))
    else
      self.plan_block = self:append("plan", blocks.plan(u.entries))
    end
  end
end

---Shows the user's message and opens a new turn.
---@param content tandem.ContentBlock[]
---@param id? string
function R:user(content, id)
  self:append("user", blocks.user(content), { id = id })
  self.need_heading = true
  self.plan_block = nil
end

---@param text string
function R:notice(text)
  self:append("notice", blocks.notice(text))
end

-- ---- folds -----------------------------------------------------------------------------------------------------

---The fold level of a 1-based line, for 'foldexpr': a tool call or thought folds its body under its header.
---@param lnum integer
---@return string
function R:fold_level(lnum)
  local row = lnum - 1
  local starts = self:block_starts()
  local lo, hi = 1, #starts
  while lo < hi do -- the last block starting at or before row
    local mid = math.floor((lo + hi + 1) / 2)
    if starts[mid] <= row then
      lo = mid
    else
      hi = mid - 1
    end
  end
  local block = self.blocks[lo]
  if not block or not block.fold or row >= starts[lo] + block.n then
    return "0"
  end
  local header = starts[lo] + (block.sep and 1 or 0)
  if block.n - (block.sep and 1 or 0) < 2 or row < header then
    return "0"
  end
  return row == header and ">1" or "1"
end

return R
