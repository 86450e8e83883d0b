-- Small shared helpers: messages, project roots, paths and URIs.

local M = {}

---@param msg string
---@param level? integer vim.log.levels.*
function M.notify(msg, level)
  vim.notify("Tandem: " .. msg, level or vim.log.levels.INFO)
end

---@param msg string
function M.error(msg)
  M.notify(msg, vim.log.levels.ERROR)
end

---An absolute path with symlinks resolved (the server resolves its workspace roots the same way).
---@param path string
---@return string
function M.realpath(path)
  return vim.uv.fs_realpath(path) or vim.fs.normalize(vim.fn.fnamemodify(path, ":p"))
end

---The file path of a buffer, or nil for scratch and special buffers.
---@param bufnr integer
---@return string|nil
function M.buf_path(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or name:match("^%w[%w+.-]*://") then
    return nil
  end
  return vim.fs.normalize(vim.fn.fnamemodify(name, ":p"))
end

---The project root of a buffer: b:tandem_root (chat buffers), the nearest root marker, else the cwd.
---@param bufnr? integer
---@return string
function M.root(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local pinned = vim.b[bufnr].tandem_root
  if type(pinned) == "string" then
    return pinned
  end
  local path = M.buf_path(bufnr)
  local markers = require("tandem.config").options.root_markers
  local found = path and vim.fs.root(path, markers) or nil
  return M.realpath(found or vim.uv.cwd() or ".")
end

---True when `path` is `root` or inside it.
---@param path string
---@param root string
---@return boolean
function M.is_under(path, root)
  path = M.realpath(path)
  return path == root or vim.startswith(path, root:gsub("/$", "") .. "/")
end

---A path relative to `root` when it is inside, else the path itself.
---@param path string
---@param root? string
---@return string
function M.relative(path, root)
  if root and M.is_under(path, root) and path ~= root then
    return path:sub(#root:gsub("/$", "") + 2)
  end
  return path
end

---Splits text into lines, keeping a trailing empty line only when `keep_last` is set.
---@param text string
---@param keep_last? boolean
---@return string[]
function M.lines(text, keep_last)
  local lines = vim.split(text, "\n", { plain = true })
  if not keep_last and #lines > 1 and lines[#lines] == "" then
    lines[#lines] = nil
  end
  return lines
end

return M
