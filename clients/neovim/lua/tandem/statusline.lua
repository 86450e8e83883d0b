-- Context use and cost (from usage_update), mode and activity of a session, for a statusline or a winbar.
--   vim.o.statusline = "%f %= %{v:lua.require'tandem.statusline'.component()}"

local M = {}

---1234 -> 1.2k, 1000000 -> 1.0M.
---@param n number
---@return string
function M.tokens(n)
  if n >= 1e6 then
    return ("%.1fM"):format(n / 1e6)
  elseif n >= 1e3 then
    return ("%.1fk"):format(n / 1e3)
  end
  return tostring(math.floor(n))
end

---"12.3k/200.0k (6%) $0.04" from a usage_update, or "" before the first one.
---@param usage tandem.UsageUpdate|nil
---@return string
function M.usage(usage)
  if not usage or not usage.size or usage.size <= 0 then
    return ""
  end
  local text = ("%s/%s (%d%%)"):format(M.tokens(usage.used or 0), M.tokens(usage.size), (usage.used or 0) * 100 / usage.size)
  local cost = usage.cost
  if type(cost) == "table" and cost.amount then
    local sign = (cost.currency == "USD" or cost.currency == nil) and "$" or (cost.currency .. " ")
    text = text .. (" %s%.2f"):format(sign, cost.amount)
  end
  return text
end

local roots = {} ---@type table<integer, { name: string, root: string }> statuslines redraw often: no fs walk each time

---The session a buffer belongs to: a chat or prompt buffer's own, else the current session of its root.
---@param bufnr integer
---@return tandem.Session|nil
local function session_of(bufnr)
  local sessions = require("tandem.session")
  local id = vim.b[bufnr].tandem_session
  if id and sessions.by_id[id] then
    return sessions.by_id[id]
  end
  if next(sessions.by_id) == nil then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local cached = roots[bufnr]
  if not cached or cached.name ~= name then
    cached = { name = name, root = require("tandem.util").root(bufnr) }
    roots[bufnr] = cached
  end
  return sessions.get(cached.root)
end

---A short status for any statusline: "Tandem ◐ plan 12.3k/200.0k (6%) $0.04"; "" without a session.
---@param bufnr? integer
---@return string
function M.component(bufnr)
  local s = session_of(bufnr or vim.api.nvim_get_current_buf())
  if not s then
    return ""
  end
  local parts = { "Tandem" }
  if s.detached then
    table.insert(parts, "(stopped)")
  elseif s.busy then
    table.insert(parts, require("tandem.config").options.icons.in_progress)
  end
  if s.mode and s.mode ~= "default" then
    table.insert(parts, s.mode)
  end
  local usage = M.usage(s.usage)
  if usage ~= "" then
    table.insert(parts, usage)
  end
  return table.concat(parts, " ")
end

---The chat window's winbar: title, then the component (evaluated for the window being drawn).
---@return string
function M.winbar()
  local win = vim.g.statusline_winid or vim.api.nvim_get_current_win()
  local buf = vim.api.nvim_win_get_buf(win)
  local s = session_of(buf)
  if not s then
    return "Tandem"
  end
  local function escape(text)
    return (text:gsub("%%", "%%%%"))
  end
  -- a narrow window cuts the title first ("%<"), keeping usage and cost in view
  return escape(M.component(buf)) .. " · %<" .. escape(s.title or "New session")
end

return M
