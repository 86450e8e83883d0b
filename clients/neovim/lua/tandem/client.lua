-- The connection to `tandem serve`: one LSP client per project root, attached to every file buffer of that root
-- (so Neovim's document sync gives the agent unsaved text), plus request helpers for coroutine code.

local async = require("tandem.async")
local config = require("tandem.config")
local util = require("tandem.util")

local M = {}

---@class tandem.ClientState
---@field id integer The vim.lsp client id.
---@field root string
---@field ready boolean initialize answered.
---@field waiters fun(client: vim.lsp.Client|nil, err: string|nil)[]
---@field acp table|nil The ACP initialize result from capabilities.experimental.acp.

---@type table<string, tandem.ClientState>
local by_root = {}
local augroup = nil ---@type integer|nil

local VERSION = "0.1.0"

---The live LSP client of `root`, if any.
---@param root string
---@return vim.lsp.Client|nil
function M.get(root)
  local state = by_root[root]
  local client = state and vim.lsp.get_client_by_id(state.id)
  if client and not client:is_stopped() then
    return client
  end
  return nil
end

---The state of a running client, by its id.
---@param client_id integer
---@return tandem.ClientState|nil
function M.state(client_id)
  for _, state in pairs(by_root) do
    if state.id == client_id then
      return state
    end
  end
  return nil
end

---Why the server cannot start, or nil when `cmd[1]` is executable.
---@return string|nil
function M.check_cmd()
  local cmd = config.options.cmd
  if type(cmd) ~= "table" or type(cmd[1]) ~= "string" then
    return "the `cmd` option must be a list like { 'tandem', 'serve' }"
  end
  if vim.fn.executable(cmd[1]) ~= 1 then
    return ("`%s` is not executable (cmd = %s). Install Tandem (e.g. `uv tool install tandem`), put it on $PATH, "
      .. "or set require('tandem').setup({ cmd = { '/path/to/tandem', 'serve' } }). See :checkhealth tandem"):format(
      cmd[1],
      vim.inspect(cmd)
    )
  end
  return nil
end

---Attaches a file buffer to the client of its root, when one runs.
---@param bufnr integer
local function attach_buffer(bufnr)
  local path = util.buf_path(bufnr)
  if not path then
    return
  end
  for root, state in pairs(by_root) do
    if util.is_under(path, root) and M.get(root) then
      vim.lsp.buf_attach_client(bufnr, state.id)
    end
  end
end

local function watch_buffers()
  if augroup then
    return
  end
  augroup = vim.api.nvim_create_augroup("tandem.attach", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile", "BufFilePost" }, {
    group = augroup,
    callback = function(ev)
      attach_buffer(ev.buf)
    end,
  })
end

---@param state tandem.ClientState
---@param client vim.lsp.Client|nil
---@param err string|nil
local function wake(state, client, err)
  local waiters = state.waiters
  state.waiters = {}
  for _, waiter in ipairs(waiters) do
    waiter(client, err)
  end
end

---Starts the server of `root` unless it runs, then calls `cb(client)` once it answered initialize
---(or `cb(nil, err)` when it cannot start).
---@param root string
---@param cb fun(client: vim.lsp.Client|nil, err: string|nil)
function M.with_client(root, cb)
  local running = M.get(root)
  local state = by_root[root]
  if running and state then
    if state.ready then
      return cb(running)
    end
    table.insert(state.waiters, cb)
    return
  end
  local problem = M.check_cmd()
  if problem then
    return cb(nil, problem)
  end
  watch_buffers()
  state = { id = -1, root = root, ready = false, waiters = { cb } }
  by_root[root] = state
  local id = vim.lsp.start({
    name = "tandem",
    cmd = config.options.cmd,
    cmd_env = config.options.env,
    root_dir = root,
    init_options = {
      acp = {
        protocolVersion = 1,
        clientCapabilities = { fs = { readTextFile = false, writeTextFile = false }, terminal = false },
        clientInfo = { name = "tandem.nvim", version = VERSION },
      },
    },
    handlers = require("tandem.handlers").table(),
    on_init = function(client, result)
      local caps = result and result.capabilities or {}
      state.acp = caps.experimental and caps.experimental.acp or nil
      state.ready = true
      for _, buf in ipairs(vim.api.nvim_list_bufs()) do
        if vim.api.nvim_buf_is_loaded(buf) then
          attach_buffer(buf)
        end
      end
      wake(state, client)
    end,
    on_exit = function(code, signal, client_id)
      vim.schedule(function()
        if by_root[root] == state then
          by_root[root] = nil
        end
        wake(state, nil, ("the server exited (code %s, signal %s) before it was ready"):format(code, signal))
        require("tandem.session").on_client_exit(client_id, code, signal)
      end)
    end,
  }, { attach = false, reuse_client = function()
    return false
  end })
  if not id then
    by_root[root] = nil
    return cb(nil, "could not start " .. vim.inspect(config.options.cmd))
  end
  state.id = id
end

---Coroutine form of with_client: the ready client of `root`, or nil and an error message.
---@param root string
---@return vim.lsp.Client|nil, string|nil
function M.await(root)
  return async.await(function(done)
    M.with_client(root, done)
  end)
end

local method_table = nil ---@type table<string, tandem.MethodInfo>|nil

---The generated method table (protocol/types.gen.lua: its file name has a dot, so it is loaded, not required).
---@return table<string, tandem.MethodInfo>
function M.methods()
  if not method_table then
    local file = vim.api.nvim_get_runtime_file("lua/tandem/protocol/types.gen.lua", false)[1]
    method_table = file and dofile(file).methods or {}
  end
  return method_table
end

---Refuses a Tandem/ACP method the protocol does not define for this direction (plain LSP methods pass).
---@param method string
---@param kind "request"|"notification"
local function check_method(method, kind)
  if not (method:match("^session/") or method:match("^_tandem/")) then
    return
  end
  local info = M.methods()[method]
  if not info or info.direction ~= "to_agent" or info.kind ~= kind then
    error(("not a Tandem %s to the server: %s"):format(kind, method), 3)
  end
end

---Sends a request and calls `cb(err, result)`; `err` is a message string.
---@param client vim.lsp.Client
---@param method string
---@param params table
---@param cb? fun(err: string|nil, result: any)
---@return integer|nil request_id
function M.request(client, method, params, cb)
  check_method(method, "request")
  local ok, id = client:request(method, params, function(err, result)
    if cb then
      cb(err and (err.message or vim.inspect(err)) or nil, result)
    end
  end)
  if not ok and cb then
    cb("the Tandem server is not running", nil)
  end
  return ok and id or nil
end

---Coroutine form of request: returns err, result.
---@param client vim.lsp.Client
---@param method string
---@param params table
---@return string|nil err, any result
function M.call(client, method, params)
  return async.await(function(done)
    M.request(client, method, params, done)
  end)
end

---Sends a notification (session/cancel).
---@param client vim.lsp.Client
---@param method string
---@param params table
function M.notify(client, method, params)
  check_method(method, "notification")
  client:notify(method, params)
end

---Roots with a running server.
---@return string[]
function M.roots()
  return vim.tbl_keys(by_root)
end

return M
