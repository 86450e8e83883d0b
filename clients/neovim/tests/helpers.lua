-- Test helpers for `nvim --headless -u NONE -i NONE -l tests/test_x.lua`: loads the plugin, runs named tests,
-- waits on conditions, stubs vim.ui, talks to the fake Anthropic API (TANDEM_FAKE_URL) over plain HTTP.
-- Environment (set by tests/nvim/test_neovim.py): TANDEM_PLUGIN_DIR, TANDEM_FAKE_URL, TANDEM_TEST_WORKSPACE,
-- TANDEM_BIN, and private XDG_* dirs.

local H = {}

H.plugin_dir = assert(os.getenv("TANDEM_PLUGIN_DIR"), "TANDEM_PLUGIN_DIR is not set")
H.fake_url = os.getenv("TANDEM_FAKE_URL")
H.workspace = os.getenv("TANDEM_TEST_WORKSPACE")
H.bin = os.getenv("TANDEM_BIN") or "tandem"

vim.opt.rtp:prepend(H.plugin_dir)
vim.cmd("runtime! plugin/tandem.lua")
-- (no vim.o.columns/lines here: resizing a headless Neovim without a UI makes long messages crash it)
if H.workspace then
  vim.cmd.cd(H.workspace)
end

---Sets up the plugin for a test run: the real server, roots marked by README.md, no render delay surprises.
---@param opts? table
function H.setup(opts)
  require("tandem").setup(vim.tbl_deep_extend("force", {
    cmd = { H.bin, "serve" },
    root_markers = { "README.md" },
  }, opts or {}))
end

-- ---- running tests ---------------------------------------------------------------------------------------------

local tests = {}

---@param name string
---@param fn fun()
function H.test(name, fn)
  table.insert(tests, { name = name, fn = fn })
end

---Runs every test in order; a failure makes Neovim exit with code 1.
function H.run()
  local failed = 0
  for _, t in ipairs(tests) do
    local started = vim.uv.hrtime()
    local ok, err = xpcall(t.fn, debug.traceback)
    local ms = (vim.uv.hrtime() - started) / 1e6
    if ok then
      io.stderr:write(("ok   %s (%.0f ms)\n"):format(t.name, ms))
    else
      failed = failed + 1
      io.stderr:write(("FAIL %s (%.0f ms)\n%s\n"):format(t.name, ms, err))
    end
  end
  io.stderr:write(("%d passed, %d failed\n"):format(#tests - failed, failed))
  for _, client in ipairs(vim.lsp.get_clients({ name = "tandem" })) do
    client:stop(true)
  end
  if failed > 0 then
    vim.cmd("cquit 1")
  end
  vim.cmd("qall!")
end

-- ---- assertions ------------------------------------------------------------------------------------------------

---@param cond fun(): any
---@param what string
---@param timeout? integer ms
function H.wait(cond, what, timeout)
  if not vim.wait(timeout or 15000, function()
    local ok, value = pcall(cond)
    return ok and value
  end, 10) then
    error("timed out waiting for: " .. what, 2)
  end
end

function H.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(("%s\nexpected: %s\n  actual: %s"):format(what or "not equal", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function H.ok(value, what)
  if not value then
    error(what or "expected a true value", 2)
  end
  return value
end

---@param buf integer
---@return string[]
function H.lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

---Index of the first line equal to `text` (plain = true) or matching the Lua pattern, or nil.
---@param lines string[]
---@param text string
---@param plain? boolean
---@return integer|nil
function H.find(lines, text, plain)
  for i, line in ipairs(lines) do
    if (plain and line == text) or (not plain and line:find(text)) then
      return i
    end
  end
  return nil
end

function H.has_line(buf, pattern, what)
  local lines = H.lines(buf)
  if not H.find(lines, pattern) then
    error(("%s: no line matches %q in\n%s"):format(what or "missing line", pattern, table.concat(lines, "\n")), 2)
  end
end

-- ---- the plugin's state ----------------------------------------------------------------------------------------

---The current session of the workspace, once it exists.
---@return tandem.Session
function H.session()
  local s
  H.wait(function()
    s = require("tandem").current()
    return s
  end, "a session")
  return s
end

---Waits until the session's turn has ended and the chat drew everything.
---@param s tandem.Session
function H.turn_done(s, timeout)
  H.wait(function()
    return not s.busy and #s.chat.renderer.queue == 0
  end, "the end of the turn", timeout)
  s.chat:flush()
end

---Replaces vim.ui.select; `choose(items, opts)` returns the item to pick (nil dismisses). Records each call.
---@param choose fun(items: table, opts: table): any
---@return table calls
function H.stub_select(choose)
  local calls = {}
  vim.ui.select = function(items, opts, on_choice)
    table.insert(calls, { items = items, opts = opts })
    local item = choose(items, opts)
    local index = item and vim.fn.index(items, item) + 1 or nil
    on_choice(item, index)
  end
  return calls
end

---Picks the permission option of `kind`.
function H.pick(kind)
  return function(items)
    for _, item in ipairs(items) do
      if type(item) == "table" and item.kind == kind then
        return item
      end
    end
  end
end

---@param answer string|nil
---@return table calls
function H.stub_input(answer)
  local calls = {}
  vim.ui.input = function(opts, on_confirm)
    table.insert(calls, opts)
    on_confirm(answer)
  end
  return calls
end

---Pids of the `tandem serve` processes Neovim started.
---@return integer[]
function H.server_pids()
  local pids = {}
  for _, pid in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
    local cmdline = table.concat(vim.fn.readfile("/proc/" .. pid .. "/cmdline", "b"), " ")
    if cmdline:find("tandem") and cmdline:find("serve") then
      table.insert(pids, pid)
    end
  end
  return pids
end

-- ---- the fake Anthropic API ------------------------------------------------------------------------------------

---A blocking HTTP/1.1 request to the fake's control endpoints; returns the status and the decoded JSON body.
---@param method string
---@param path string
---@param body? any
---@return integer status, any json
function H.http(method, path, body)
  local host, port = assert(H.fake_url, "TANDEM_FAKE_URL is not set"):match("^http://([^:/]+):(%d+)")
  local data = body ~= nil and vim.json.encode(body) or ""
  local tcp = assert(vim.uv.new_tcp())
  local chunks, finished, failure = {}, false, nil
  tcp:connect(host, tonumber(port), function(err)
    if err then
      failure, finished = err, true
      return
    end
    tcp:write(
      ("%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"):format(
        method,
        path,
        host,
        #data,
        data
      )
    )
    tcp:read_start(function(read_err, chunk)
      if chunk then
        table.insert(chunks, chunk)
      else
        failure = read_err
        tcp:close()
        finished = true
      end
    end)
  end)
  H.wait(function()
    return finished
  end, "the fake API to answer " .. path, 5000)
  assert(not failure, failure)
  local response = table.concat(chunks)
  local status = tonumber(response:match("^HTTP/1%.1 (%d+)"))
  local payload = response:match("\r\n\r\n(.*)$") or ""
  return status, payload ~= "" and vim.json.decode(payload) or nil
end

---Queues script items (see server/tandem/agent/fake_api.py) for the next model calls; clears older ones first.
---@param items table[]
function H.script(items)
  H.http("POST", "/_fake/reset")
  local status = H.http("POST", "/_fake/enqueue", items)
  assert(status == 200, "enqueue failed: " .. tostring(status))
end

---The requests the model received so far (bodies decoded).
---@return table[]
function H.model_requests()
  local _, requests = H.http("GET", "/_fake/requests")
  return requests or {}
end

---@param path string
---@return string
function H.read(path)
  return table.concat(vim.fn.readfile(path), "\n")
end

return H
