-- Tandem for Neovim: setup(opts) and the public API (what the commands call, for your own mappings).
--   require("tandem").setup({ cmd = { "tandem", "serve" } })

local M = {}

---Sets the options (see :help tandem-config). Calling it is optional: the commands work with the defaults.
---@param opts? table Partial tandem.Config.
function M.setup(opts)
  require("tandem.config").setup(opts)
end

---Opens or closes the chat of the current project.
function M.toggle()
  require("tandem.commands").toggle()
end

---Sends a prompt to the current session, with an optional range of the current buffer as context.
---@param prompt string
---@param range? { [1]: integer, [2]: integer } first and last line, 1-based
function M.ask(prompt, range)
  require("tandem.commands").ask({
    args = prompt,
    range = range and 2 or 0,
    line1 = range and range[1] or 1,
    line2 = range and range[2] or 1,
  })
end

---Starts a new session in the chat.
function M.new_session()
  require("tandem.commands").new()
end

---Picks a stored session and opens it.
function M.sessions()
  require("tandem.commands").sessions()
end

---Sets the permission mode: default, acceptEdits, plan or bypassPermissions.
---@param mode string
function M.set_mode(mode)
  require("tandem.commands").mode({ args = mode })
end

---Stops the running turn.
function M.cancel()
  require("tandem.commands").cancel()
end

---Accepts pending hunks: the one under the cursor, or every one of the file (`file = true`) or of all files.
---@param scope? { file?: boolean, all?: boolean }
function M.accept(scope)
  require("tandem.diff").decide("accept", scope)
end

---Rejects pending hunks (same scopes as accept).
---@param scope? { file?: boolean, all?: boolean }
function M.reject(scope)
  require("tandem.diff").decide("reject", scope)
end

---Status text for a statusline: mode, context use and cost of the current session ("" without one).
---@return string
function M.statusline()
  return require("tandem.statusline").component()
end

---The current session of the current project, if one is open.
---@return tandem.Session|nil
function M.current()
  local util = require("tandem.util")
  return require("tandem.session").get(util.root())
end

return M
