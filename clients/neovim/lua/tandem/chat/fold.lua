-- 'foldexpr' and 'foldtext' of chat windows: tool calls and thinking fold under their header line.

local M = {}

---@type table<integer, tandem.chat.Renderer>
M.renderers = {}

---'foldexpr': asks the renderer of the window's buffer.
---@return string
function M.expr()
  local renderer = M.renderers[vim.api.nvim_get_current_buf()]
  return renderer and renderer:fold_level(vim.v.lnum) or "0"
end

---'foldtext': the header line and how many lines it hides.
---@return string
function M.text()
  local first = vim.fn.getline(vim.v.foldstart)
  return ("%s  (%d lines)"):format(first, vim.v.foldend - vim.v.foldstart)
end

return M
