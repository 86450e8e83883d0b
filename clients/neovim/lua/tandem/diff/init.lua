-- Pending hunks of the agent's edits, inline in the file buffers: the server sends `_tandem/hunks`
-- {uri, sessionId, hunks = [{id, oldStart, oldLines, newStart, newLines, removed, added}]} (empty: none pending);
-- added lines are highlighted, removed lines shown as virtual lines. Accept / reject go back through
-- workspace/executeCommand `tandem.acceptHunks` / `tandem.rejectHunks` with [{sessionId, uri, hunkIds}].
-- resolve(bufnr) redraws a buffer from the store and is idempotent.

local client = require("tandem.client")
local config = require("tandem.config")
local util = require("tandem.util")

local api = vim.api

local M = {}

M.ns = api.nvim_create_namespace("tandem.hunks")

---@class tandem.Hunk
---@field id string
---@field oldStart integer
---@field oldLines integer
---@field newStart integer 1-based first line of the new text (for newLines = 0: the line after which text went).
---@field newLines integer
---@field removed string[]
---@field added string[]

---@class tandem.FileHunks
---@field uri string
---@field session_id string
---@field client_id integer
---@field hunks tandem.Hunk[]
---@field marks table<string, integer> hunk id -> extmark id in the file's buffer

---@type table<string, tandem.FileHunks>
M.files = {}

local augroup = nil ---@type integer|nil
local mapped = {} ---@type table<integer, string[]>

local function define_highlights()
  api.nvim_set_hl(0, "TandemHunkAdd", { link = "DiffAdd", default = true })
  api.nvim_set_hl(0, "TandemHunkDelete", { link = "DiffDelete", default = true })
  api.nvim_set_hl(0, "TandemHunkHint", { link = "Comment", default = true })
end

---@param uri string
---@return integer|nil
local function buffer_of(uri)
  local bufnr = vim.fn.bufnr(vim.uri_to_fname(uri))
  if bufnr > 0 and api.nvim_buf_is_loaded(bufnr) then
    return bufnr
  end
  return nil
end

---@param bufnr integer
---@return tandem.FileHunks|nil
local function entry_of(bufnr)
  local path = util.buf_path(bufnr)
  return path and M.files[vim.uri_from_fname(path)] or nil
end

local function set_keymaps(bufnr, on)
  for _, lhs in ipairs(mapped[bufnr] or {}) do
    pcall(vim.keymap.del, "n", lhs, { buffer = bufnr })
  end
  mapped[bufnr] = nil
  if not on then
    return
  end
  local keys = config.options.diff.keymaps
  local actions = {
    accept = function()
      M.decide("accept", { bufnr = bufnr })
    end,
    reject = function()
      M.decide("reject", { bufnr = bufnr })
    end,
    next = function()
      M.jump(1)
    end,
    prev = function()
      M.jump(-1)
    end,
  }
  mapped[bufnr] = {}
  for name, fn in pairs(actions) do
    local lhs = keys[name]
    if lhs then
      vim.keymap.set("n", lhs, fn, { buffer = bufnr, desc = "Tandem: " .. name .. " hunk" })
      table.insert(mapped[bufnr], lhs)
    end
  end
end

---@param lines string[]
---@return table virt_lines
local function removed_lines(lines)
  local virt = {}
  for _, line in ipairs(lines or {}) do
    table.insert(virt, { { "- " .. line, "TandemHunkDelete" } })
  end
  return virt
end

---Redraws the pending hunks of a buffer from the store (clears them when none are pending). Idempotent.
---@param bufnr integer
function M.resolve(bufnr)
  if not api.nvim_buf_is_valid(bufnr) then
    return
  end
  define_highlights()
  api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  local entry = entry_of(bufnr)
  set_keymaps(bufnr, entry ~= nil)
  if not entry then
    return
  end
  entry.marks = {}
  local count = api.nvim_buf_line_count(bufnr)
  local keys = config.options.diff.keymaps
  for _, hunk in ipairs(entry.hunks) do
    local opts = { virt_lines = removed_lines(hunk.removed), sign_hl_group = "TandemHunkAdd" }
    local row
    if hunk.newLines > 0 then
      row = math.min(math.max(hunk.newStart - 1, 0), count - 1)
      -- end on the hunk's last line itself (an end past the buffer's last line crashes Neovim's redraw)
      local last = math.min(row + hunk.newLines - 1, count - 1)
      opts.end_row = last
      opts.end_col = #(api.nvim_buf_get_lines(bufnr, last, last + 1, true)[1] or "")
      opts.hl_group, opts.hl_eol = "TandemHunkAdd", true
      opts.virt_lines_above = true
      opts.sign_text = "+"
    else
      row = math.min(math.max(hunk.newStart - 1, 0), count - 1)
      opts.virt_lines_above = hunk.newStart == 0
      opts.sign_text, opts.sign_hl_group = "-", "TandemHunkDelete"
    end
    if config.options.diff.hint then
      local hint = ("Tandem: %s accept · %s reject"):format(keys.accept or ":TandemAccept", keys.reject or ":TandemReject")
      opts.virt_text, opts.virt_text_pos = { { hint, "TandemHunkHint" } }, "eol"
    end
    entry.marks[hunk.id] = api.nvim_buf_set_extmark(bufnr, M.ns, row, 0, opts)
  end
end

---Takes a `_tandem/hunks` notification.
---@param client_id integer
---@param params { uri: string, sessionId: string, hunks: tandem.Hunk[] }
function M.on_hunks(client_id, params)
  if type(params) ~= "table" or type(params.uri) ~= "string" then
    return
  end
  if not params.hunks or #params.hunks == 0 then
    M.files[params.uri] = nil
  else
    M.files[params.uri] =
      { uri = params.uri, session_id = params.sessionId, client_id = client_id, hunks = params.hunks, marks = {} }
  end
  if not augroup then
    augroup = api.nvim_create_augroup("tandem.hunks", { clear = true })
    api.nvim_create_autocmd({ "BufReadPost", "BufWinEnter" }, {
      group = augroup,
      callback = function(ev)
        if entry_of(ev.buf) then
          M.resolve(ev.buf)
        end
      end,
    })
  end
  local bufnr = buffer_of(params.uri)
  if bufnr then
    M.resolve(bufnr)
  end
end

---The 0-based first and last rows a hunk covers now (extmarks follow edits).
---@param bufnr integer
---@param entry tandem.FileHunks
---@param hunk tandem.Hunk
---@return integer|nil first, integer|nil last
local function rows_of(bufnr, entry, hunk)
  local mark = entry.marks[hunk.id]
  if not mark then
    return nil
  end
  local pos = api.nvim_buf_get_extmark_by_id(bufnr, M.ns, mark, { details = true })
  if not pos[1] then
    return nil
  end
  local last = pos[1]
  if pos[3] and pos[3].end_row and pos[3].end_row > pos[1] then
    last = pos[3].end_row
  end
  return pos[1], last
end

---The pending hunk at a 0-based row of a buffer.
---@param bufnr integer
---@param row integer
---@return tandem.Hunk|nil, tandem.FileHunks|nil
function M.hunk_at(bufnr, row)
  local entry = entry_of(bufnr)
  for _, hunk in ipairs(entry and entry.hunks or {}) do
    local first, last = rows_of(bufnr, entry, hunk)
    if first and row >= first and row <= last then
      return hunk, entry
    end
  end
  return nil, entry
end

---Accepts or rejects hunks through the server.
---  scope.bufnr: the buffer (default: current); scope.file: every hunk of that file; scope.all: every file.
---@param action "accept"|"reject"
---@param scope? { bufnr?: integer, file?: boolean, all?: boolean }
function M.decide(action, scope)
  scope = scope or {}
  local targets = {} ---@type { entry: tandem.FileHunks, ids: string[] }[]
  if scope.all then
    for _, entry in pairs(M.files) do
      table.insert(targets, { entry = entry, ids = vim.tbl_map(function(h)
        return h.id
      end, entry.hunks) })
    end
  else
    local bufnr = scope.bufnr or api.nvim_get_current_buf()
    if scope.file then
      local entry = entry_of(bufnr)
      if entry then
        table.insert(targets, { entry = entry, ids = vim.tbl_map(function(h)
          return h.id
        end, entry.hunks) })
      end
    else
      local win = vim.fn.bufwinid(bufnr)
      local row = (win ~= -1 and api.nvim_win_get_cursor(win)[1] or 1) - 1
      local hunk, entry = M.hunk_at(bufnr, row)
      if hunk and entry then
        table.insert(targets, { entry = entry, ids = { hunk.id } })
      end
    end
  end
  if #targets == 0 then
    util.notify(scope.all and "no pending hunks" or "no pending Tandem hunk here", vim.log.levels.WARN)
    return
  end
  for _, target in ipairs(targets) do
    M.send(action, target.entry, target.ids)
  end
end

---Sends one executeCommand for the hunks `ids` of a file; on success they leave the store.
---@param action "accept"|"reject"
---@param entry tandem.FileHunks
---@param ids string[]
function M.send(action, entry, ids)
  local c = vim.lsp.get_client_by_id(entry.client_id)
  if not c or c:is_stopped() then
    util.error("the Tandem server that proposed these hunks is not running")
    return
  end
  local args = { { sessionId = entry.session_id, uri = entry.uri, hunkIds = ids } }
  client.request(c, "workspace/executeCommand", { command = "tandem." .. action .. "Hunks", arguments = args }, function(err)
    if err then
      util.error(("could not %s the hunks: %s"):format(action, err))
      return
    end
    local current = M.files[entry.uri]
    if current then
      local gone = {}
      for _, id in ipairs(ids) do
        gone[id] = true
      end
      current.hunks = vim.tbl_filter(function(h)
        return not gone[h.id]
      end, current.hunks)
      if #current.hunks == 0 then
        M.files[entry.uri] = nil
      end
    end
    local bufnr = buffer_of(entry.uri)
    if bufnr then
      M.resolve(bufnr)
    end
  end)
end

---Moves the cursor to the next (1) or previous (-1) pending hunk of the current buffer.
---@param direction 1|-1
function M.jump(direction)
  local bufnr = api.nvim_get_current_buf()
  local entry = entry_of(bufnr)
  local rows = {}
  for _, hunk in ipairs(entry and entry.hunks or {}) do
    local first = rows_of(bufnr, entry, hunk)
    if first then
      table.insert(rows, first)
    end
  end
  table.sort(rows)
  local cursor = api.nvim_win_get_cursor(0)[1] - 1
  local target
  for i = (direction > 0 and 1 or #rows), (direction > 0 and #rows or 1), direction do
    if (direction > 0 and rows[i] > cursor) or (direction < 0 and rows[i] < cursor) then
      target = rows[i]
      break
    end
  end
  target = target or rows[direction > 0 and 1 or #rows]
  if target then
    api.nvim_win_set_cursor(0, { target + 1, 0 })
  end
end

---Quickfix items for every pending hunk.
---@return table[]
function M.qf_items()
  local items = {}
  for uri, entry in pairs(M.files) do
    local path = vim.uri_to_fname(uri)
    local bufnr = buffer_of(uri)
    for _, hunk in ipairs(entry.hunks) do
      local lnum = hunk.newStart
      if bufnr then
        local first = rows_of(bufnr, entry, hunk)
        lnum = first and first + 1 or lnum
      end
      local sample = (hunk.added or {})[1] or (hunk.removed or {})[1] or ""
      table.insert(items, {
        filename = path,
        lnum = math.max(lnum, 1),
        text = ("pending +%d -%d  %s"):format(hunk.newLines, hunk.oldLines, vim.trim(sample)),
        user_data = { hunk = hunk.id, uri = uri },
      })
    end
  end
  table.sort(items, function(a, b)
    return a.filename == b.filename and a.lnum < b.lnum or a.filename < b.filename
  end)
  return items
end

return M
