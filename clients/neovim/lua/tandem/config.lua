-- Tandem's options: the defaults, merged with the user's setup() table by vim.tbl_deep_extend.

---@class (exact) tandem.ChatConfig
---@field position "right"|"left"|"bottom"|"tab" Where :Tandem opens the chat.
---@field width number Columns (>= 1) or a fraction of the editor (< 1), for right/left.
---@field height number Lines (>= 1) or a fraction (< 1), for bottom.
---@field input_height integer Lines of the prompt window under the chat.
---@field render_interval_ms integer Streamed updates are batched and drawn at most this often.
---@field follow boolean Keep the chat scrolled to the end while you are not in its window.
---@field tool_output_lines integer Lines of a tool's output kept in the chat (the rest is summarised).

---@class (exact) tandem.PermissionConfig
---@field preview "float"|"chat" Where an edit's diff is shown while Tandem asks: a floating window, or the chat only.
---@field feedback boolean After choosing, ask for an optional note to the model.

---@class (exact) tandem.DiffKeymaps
---@field accept string|false Accept the pending hunk under the cursor.
---@field reject string|false Reject the pending hunk under the cursor.
---@field next string|false Jump to the next pending hunk.
---@field prev string|false Jump to the previous pending hunk.

---@class (exact) tandem.DiffConfig
---@field keymaps tandem.DiffKeymaps Buffer-local keys, set while a buffer has pending hunks.
---@field hint boolean Show the accept/reject keys at the end of a hunk's first line.

---@class (exact) tandem.Config
---@field cmd string[] The server command; Neovim speaks LSP to it on stdio.
---@field root_markers string[] Files or folders that mark a project root (one server per root).
---@field env table<string,string>|nil Extra environment for the server process.
---@field save_agent_edits boolean Write a buffer after the agent's edit to it is applied (an accepted hunk, an allowed
---edit, a revert or rewind), so its next command sees the file on disk; only if the buffer had no unsaved changes.
---@field chat tandem.ChatConfig
---@field permissions tandem.PermissionConfig
---@field diff tandem.DiffConfig
---@field icons table<string,string> Status icons of tool calls and plan entries.

local M = {}

---@type tandem.Config
M.defaults = {
  cmd = { "tandem", "serve" },
  root_markers = { ".git", ".hg", "pyproject.toml", "package.json", "Cargo.toml", "go.mod" },
  env = nil,
  save_agent_edits = true,
  chat = {
    position = "right",
    width = 0.4,
    height = 0.4,
    input_height = 5,
    render_interval_ms = 30,
    follow = true,
    tool_output_lines = 40,
  },
  permissions = { preview = "float", feedback = true },
  diff = {
    keymaps = { accept = "<leader>ta", reject = "<leader>tr", next = "]t", prev = "[t" },
    hint = true,
  },
  icons = {
    pending = "○",
    in_progress = "◐",
    completed = "✓",
    failed = "✗",
    thought = "💭",
    plan = "📋",
    permission = "🔐",
  },
}

---@type tandem.Config
M.options = vim.deepcopy(M.defaults)

---Merges `opts` over the defaults (a fresh merge each call) and checks the types that matter.
---@param opts? table
---@return tandem.Config
function M.setup(opts)
  local merged = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  vim.validate("cmd", merged.cmd, "table")
  vim.validate("root_markers", merged.root_markers, "table")
  vim.validate("save_agent_edits", merged.save_agent_edits, "boolean")
  vim.validate("chat.position", merged.chat.position, function(v)
    return vim.tbl_contains({ "right", "left", "bottom", "tab" }, v)
  end, "right, left, bottom or tab")
  vim.validate("permissions.preview", merged.permissions.preview, function(v)
    return v == "float" or v == "chat"
  end, "float or chat")
  M.options = merged
  return merged
end

return M
