-- Tandem's user commands (the code lives in lua/tandem/commands.lua and loads on first use).

if vim.g.loaded_tandem then
  return
end
vim.g.loaded_tandem = true

local function cmd(name, fn, opts)
  vim.api.nvim_create_user_command(name, function(o)
    require("tandem.commands")[fn](o)
  end, opts)
end

local function decide(name, action, bang)
  vim.api.nvim_create_user_command(name, function(o)
    local commands = require("tandem.commands")
    if bang then
      commands.decide(action, o)
    else
      commands.decide_all(action)
    end
  end, { bang = bang, desc = "Tandem: " .. action .. (bang and " the hunk under the cursor (! = the whole file)" or " every pending hunk") })
end

cmd("Tandem", "toggle", { desc = "Tandem: open or close the chat" })
cmd("TandemAsk", "ask", { nargs = "*", range = true, desc = "Tandem: ask (the range or selection goes along)" })
cmd("TandemNew", "new", { desc = "Tandem: new session" })
cmd("TandemSessions", "sessions", { desc = "Tandem: open a stored session" })
cmd("TandemMode", "mode", {
  nargs = "?",
  desc = "Tandem: permission mode",
  complete = function(lead)
    return require("tandem.commands").complete_mode(lead)
  end,
})
cmd("TandemCancel", "cancel", { desc = "Tandem: stop the running turn" })
cmd("TandemReview", "review", { desc = "Tandem: the session's changes in the quickfix list" })
cmd("TandemRewind", "rewind", { desc = "Tandem: go back to before one of your messages" })
decide("TandemAccept", "accept", true)
decide("TandemReject", "reject", true)
decide("TandemAcceptAll", "accept", false)
decide("TandemRejectAll", "reject", false)
