-- The pure parts, without a server: the renderer's block model (streaming, rewrites, folds), formatting,
-- @mentions, usage text, review items and the config check.

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")
H.setup()

local Renderer = require("tandem.chat.render")

local function renderer()
  local buf = vim.api.nvim_create_buf(false, true)
  return Renderer.new(buf), buf
end

H.test("streamed chunks join lines; rewriting an earlier block keeps the later ones intact", function()
  local r, buf = renderer()
  r:user({ { type = "text", text = "hi" } })
  r:apply({ sessionUpdate = "tool_call", toolCallId = "t1", title = "Read a", status = "pending" })
  r:apply({ sessionUpdate = "agent_message_chunk", messageId = "m1", content = { type = "text", text = "one " } })
  r:apply({ sessionUpdate = "agent_message_chunk", messageId = "m1", content = { type = "text", text = "two\nthree" } })
  r:apply({
    sessionUpdate = "tool_call_update",
    toolCallId = "t1",
    status = "completed",
    content = { { type = "content", content = { type = "text", text = "line 1\nline 2" } } },
  })
  r:apply({ sessionUpdate = "agent_message_chunk", messageId = "m1", content = { type = "text", text = " four" } })
  H.eq({
    "## You",
    "hi",
    "",
    "## Tandem",
    "",
    "✓ Read a",
    "    line 1",
    "    line 2",
    "",
    "one two",
    "three four",
  }, H.lines(buf), "buffer")
  H.eq(#H.lines(buf), r.total, "the model counts every line")
  local levels = {}
  for lnum = 1, r.total do
    levels[lnum] = r:fold_level(lnum)
  end
  H.eq({ "0", "0", "0", "0", "0", ">1", "1", "1", "0", "0", "0" }, levels, "fold levels")
end)

H.test("a plan update replaces the plan of the turn; a new turn starts a new one", function()
  local r, buf = renderer()
  r:user({ { type = "text", text = "go" } })
  r:apply({ sessionUpdate = "plan", entries = { { content = "a", status = "pending", priority = "high" } } })
  r:apply({ sessionUpdate = "agent_message_chunk", content = { type = "text", text = "working" } })
  r:apply({ sessionUpdate = "plan", entries = { { content = "a", status = "completed", priority = "high" } } })
  local lines = H.lines(buf)
  H.eq(1, #vim.tbl_filter(function(l)
    return l:find("^📋")
  end, lines), "one plan")
  H.ok(H.find(lines, "- [x] a", true), "updated in place")
  H.eq("working", lines[#lines], "later text untouched")
end)

H.test("prompt blocks: @mentions of existing files become resource links", function()
  local blocks = require("tandem.chat.input").blocks("look at @src/app.py and @nope.txt", H.workspace)
  H.eq(2, #blocks, "text + one link")
  H.eq("resource_link", blocks[2].type, "link")
  H.eq(vim.uri_from_fname(H.workspace .. "/src/app.py"), blocks[2].uri, "uri")
  H.eq("src/app.py", blocks[2].name, "name")
end)

H.test("usage text and tool formatting", function()
  local statusline = require("tandem.statusline")
  H.eq("12.3k/200.0k (6%) $0.04", statusline.usage({ used = 12345, size = 200000, cost = { amount = 0.04, currency = "USD" } }), "usage")
  H.eq("", statusline.usage(nil), "no usage yet")
  local lines = require("tandem.chat.blocks").tool({ title = "Bash", status = "failed", content = {} })
  H.eq({ "✗ Bash" }, lines, "failed tool")
  local many = {}
  for i = 1, 100 do
    many[i] = "l" .. i
  end
  local body = require("tandem.chat.blocks").body(many, 3)
  H.eq({ "    l1", "    l2", "    l3", "    … 97 more lines" }, body, "long output is cut")
end)

H.test("review items from _tandem/review/list", function()
  local items = require("tandem.diff.review").normalize({
    files = {
      {
        path = "/p/a.py",
        uri = "file:///p/a.py",
        turns = { 1, 2 },
        created = false,
        hunks = { { id = "h1", newStart = 3, newLines = 1, oldLines = 2, added = { "  x = 1" }, removed = {} } },
      },
    },
  })
  H.eq(1, #items, "one item")
  H.eq("/p/a.py", items[1].filename, "file")
  H.eq(3, items[1].lnum, "line")
  H.eq("changed turn 1,2 +1 -2  x = 1", items[1].text, "text")
end)

H.test("slash commands complete in the prompt", function()
  local input = require("tandem.chat.input")
  local sessions = require("tandem.session")
  sessions.by_id["fake"] = { commands = { { name = "review", description = "Review" }, { name = "init", description = "Init" } } }
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_set_current_buf(buf)
  vim.b[buf].tandem_session = "fake"
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "/re" })
  H.eq(0, input.omnifunc(1, ""), "starts at the slash")
  H.eq({ { word = "/review", menu = "Review" } }, input.omnifunc(0, "/re"), "matches")
  sessions.by_id["fake"] = nil
end)

H.test("wire method names are checked against the generated method table", function()
  local client = require("tandem.client")
  H.eq("request", client.methods()["session/prompt"].kind, "the generated table is loaded")
  local fake = { request = function() return true, 1 end, notify = function() return true end }
  H.ok(pcall(client.request, fake, "session/prompt", {}), "a known request passes")
  H.ok(pcall(client.request, fake, "workspace/executeCommand", {}), "plain LSP methods pass")
  local ok, err = pcall(client.request, fake, "session/promtp", {})
  H.eq(false, ok, "a typo is refused")
  H.ok(tostring(err):find("session/promtp"), tostring(err))
  H.eq(false, (pcall(client.request, fake, "session/cancel", {})), "a notification sent as a request is refused")
end)

H.test("setup() rejects a bad option with a clear error", function()
  local ok, err = pcall(require("tandem").setup, { chat = { position = "sideways" } })
  H.eq(false, ok, "refused")
  H.ok(tostring(err):find("chat.position"), tostring(err))
  H.setup()
end)

H.run()
