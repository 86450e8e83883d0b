-- A floating scratch window showing the diff of an edit while Tandem asks for permission.

local blocks = require("tandem.chat.blocks")

local api = vim.api

local M = {}

---Unified diff lines (with file headers) of the diff items of a tool call.
---@param diffs tandem.DiffToolCallContent[]
---@return string[]
function M.lines(diffs)
  local lines = {}
  for _, item in ipairs(diffs) do
    local name = blocks.short_uri(vim.uri_from_fname(item.path))
    table.insert(lines, "--- " .. (item.oldText and ("a/" .. name) or "/dev/null"))
    table.insert(lines, "+++ b/" .. name)
    vim.list_extend(lines, blocks.unified(item.oldText, item.newText or ""))
  end
  return lines
end

---@class tandem.diff.Preview
---@field buf integer
---@field win integer|nil

---Opens the float (without entering it); returns a handle for close().
---@param diffs tandem.DiffToolCallContent[]
---@param title string
---@return tandem.diff.Preview
function M.open(diffs, title)
  local buf = api.nvim_create_buf(false, true)
  local lines = M.lines(diffs)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].filetype = "diff"
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = "wipe"
  local width = math.max(20, math.min(110, vim.o.columns - 4))
  local height = math.max(1, math.min(#lines, math.floor(vim.o.lines * 0.6)))
  local ok, win = pcall(api.nvim_open_win, buf, false, {
    relative = "editor",
    width = width,
    height = height,
    row = math.max(0, math.floor((vim.o.lines - height) / 2) - 2),
    col = math.floor((vim.o.columns - width) / 2),
    style = "minimal",
    border = "rounded",
    title = " " .. title .. " ",
    title_pos = "center",
    zindex = 60,
  })
  return { buf = buf, win = ok and win or nil }
end

---@param preview tandem.diff.Preview|nil
function M.close(preview)
  if preview and preview.win and api.nvim_win_is_valid(preview.win) then
    api.nvim_win_close(preview.win, true)
  end
  if preview and api.nvim_buf_is_valid(preview.buf) then
    pcall(api.nvim_buf_delete, preview.buf, { force = true })
  end
end

return M
