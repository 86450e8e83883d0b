-- The prompt buffer under the chat: type a message, send it with <CR> (normal mode) or <C-s>.
-- @path words become resource_link blocks; selections staged by :TandemAsk go along.

local util = require("tandem.util")

local M = {}

---The prompt's winbar: how to send, and what context is staged.
---@return string
function M.winbar()
  local win = vim.g.statusline_winid or vim.api.nvim_get_current_win()
  local buf = vim.api.nvim_win_get_buf(win)
  local s = require("tandem.session").by_id[vim.b[buf].tandem_session or ""]
  local parts = { "Message Tandem · <CR>/<C-s> send" }
  if s and #s.context > 0 then
    local names = {}
    for _, block in ipairs(s.context) do
      table.insert(names, require("tandem.chat.blocks").content_text(block))
    end
    table.insert(parts, table.concat(names, " "))
  end
  return (table.concat(parts, " · "):gsub("%%", "%%%%"))
end

---ACP prompt blocks for a message: the text, then a resource_link for each @path naming a file of the root.
---@param text string
---@param root string
---@return tandem.ContentBlock[]
function M.blocks(text, root)
  local result = { { type = "text", text = text } }
  local seen = {}
  for word in text:gmatch("@([%w%._%-/~]+[%w_%-/])") do
    local path = vim.fn.fnamemodify(word, ":p")
    if not vim.startswith(word, "/") and not vim.startswith(word, "~") then
      path = vim.fs.joinpath(root, word)
    end
    if not seen[path] and vim.fn.filereadable(path) == 1 then
      seen[path] = true
      table.insert(result, { type = "resource_link", uri = vim.uri_from_fname(path), name = word })
    end
  end
  return result
end

---Sends what the prompt buffer holds and clears it.
---@param chat tandem.Chat
function M.send(chat)
  local buf = chat.input
  if vim.fn.mode() ~= "n" then
    vim.cmd("stopinsert")
  end
  local text = vim.trim(table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n"))
  if text == "" then
    return
  end
  local s = chat.session
  if s.busy then
    util.notify("Tandem is still working on the last message (:TandemCancel stops it)", vim.log.levels.WARN)
    return
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, {})
  require("tandem.async").run(function()
    if not require("tandem.session").prompt(s, M.blocks(text, s.root)) then
      vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, "\n", { plain = true }))
    end
  end)
end

---'omnifunc' of the prompt buffer: completes the session's slash commands (from available_commands_update).
---@param findstart integer
---@param base string
---@return integer|table
function M.omnifunc(findstart, base)
  local line = vim.api.nvim_get_current_line()
  if findstart == 1 then
    return line:match("^%s*/") and (line:find("/") - 1) or -3
  end
  local s = require("tandem.session").by_id[vim.b.tandem_session or ""]
  local items = {}
  for _, command in ipairs(s and s.commands or {}) do
    local word = "/" .. command.name
    if vim.startswith(word, base) then
      table.insert(items, { word = word, menu = command.description })
    end
  end
  return items
end

---Sets up a prompt buffer for a chat.
---@param chat tandem.Chat
---@param buf integer
---@return integer buf
function M.create(chat, buf)
  vim.bo[buf].filetype = "markdown"
  vim.bo[buf].omnifunc = "v:lua.require'tandem.chat.input'.omnifunc"
  local function send()
    M.send(chat)
  end
  vim.keymap.set("n", "<CR>", send, { buffer = buf, desc = "Send to Tandem" })
  vim.keymap.set({ "n", "i" }, "<C-s>", send, { buffer = buf, desc = "Send to Tandem" })
  vim.keymap.set("n", "q", function()
    require("tandem.chat").close()
  end, { buffer = buf, desc = "Close the Tandem chat", nowait = true })
  return buf
end

---@param win integer
function M.style_window(win)
  local wo = vim.wo[win][0]
  wo.number, wo.relativenumber, wo.signcolumn = false, false, "no"
  wo.wrap = true
  wo.winbar = "%{%v:lua.require'tandem.chat.input'.winbar()%}"
  vim.w[win].tandem_input = true
end

return M
