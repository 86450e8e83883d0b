-- :checkhealth tandem, and the message when `tandem` is not executable.

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")

local function checkhealth()
  vim.cmd("checkhealth tandem")
  local lines = H.lines(0)
  vim.cmd("bwipeout!")
  return table.concat(lines, "\n")
end

H.test(":checkhealth tandem reports Neovim, tandem, Python, the key, rg and bwrap", function()
  H.setup()
  local report = checkhealth()
  H.ok(report:find("OK Neovim 0%.1[1-9]"), "Neovim version:\n" .. report)
  H.ok(report:find("OK `[^`]*tandem` found: tandem %d+%.%d+"), "tandem and its --version:\n" .. report)
  H.ok(report:find("OK Python used by tandem: Python 3%.%d+"), "Python:\n" .. report)
  H.ok(report:find("OK ANTHROPIC_API_KEY is set"), "API key:\n" .. report)
  H.ok(report:find("OK `rg` found: ripgrep"), "rg (from tandem's own bin/):\n" .. report)
  H.ok(report:find("`bwrap`"), "bwrap checked:\n" .. report)
  H.eq(nil, report:find("ERROR"), "no error:\n" .. report)
end)

H.test("a missing tandem is reported clearly, by :checkhealth and by the commands", function()
  H.setup({ cmd = { "tandem-not-installed-here", "serve" } })
  local saved = vim.env.ANTHROPIC_API_KEY
  vim.env.ANTHROPIC_API_KEY = nil
  local report = checkhealth()
  vim.env.ANTHROPIC_API_KEY = saved
  H.ok(report:find("ERROR `tandem%-not%-installed%-here` is not executable"), "checkhealth:\n" .. report)
  H.ok(report:find("WARNING ANTHROPIC_API_KEY is not set"), "the key:\n" .. report)

  local messages = {}
  vim.notify = function(msg, level)
    table.insert(messages, { msg = msg, level = level })
  end
  vim.cmd("Tandem")
  H.wait(function()
    return #messages > 0
  end, "a message")
  H.eq(vim.log.levels.ERROR, messages[1].level, "an error")
  H.ok(messages[1].msg:find("`tandem%-not%-installed%-here` is not executable"), messages[1].msg)
  H.ok(messages[1].msg:find("setup%({ cmd ="), "it says how to fix it: " .. messages[1].msg)
  H.eq(0, #vim.lsp.get_clients({ name = "tandem" }), "nothing started")
  H.eq(false, require("tandem.chat").is_open(), "no chat opened")
end)

H.run()
