-- Coroutine helpers: write request/answer flows (LSP requests, vim.ui prompts) as straight-line code.

local M = {}

---Runs `fn` in a new coroutine; an error is reported with vim.notify instead of being lost.
---@param fn fun(...)
---@param ... any
function M.run(fn, ...)
  local co = coroutine.create(fn)
  local ok, err = coroutine.resume(co, ...)
  if not ok then
    vim.notify("Tandem: " .. tostring(err), vim.log.levels.ERROR)
  end
end

---Waits, inside a coroutine, until `start(done)` calls `done(...)`; returns what `done` received.
---Works when `done` is called synchronously (default vim.ui.select) or later (a floating picker, an LSP reply).
---@param start fun(done: fun(...))
---@return any ...
function M.await(start)
  local co = coroutine.running()
  assert(co, "tandem.async.await must run inside a coroutine")
  local finished, results = false, nil
  start(function(...)
    if finished then
      return
    end
    finished, results = true, vim.F.pack_len(...)
    if coroutine.status(co) == "suspended" then
      local ok, err = coroutine.resume(co)
      if not ok then
        vim.notify("Tandem: " .. tostring(err), vim.log.levels.ERROR)
      end
    end
  end)
  if not finished then
    coroutine.yield()
  end
  return vim.F.unpack_len(results)
end

---vim.ui.select as a coroutine call.
---@generic T
---@param items T[]
---@param opts table
---@return T|nil item, integer|nil index
function M.select(items, opts)
  return M.await(function(done)
    vim.ui.select(items, opts, done)
  end)
end

---vim.ui.input as a coroutine call.
---@param opts table
---@return string|nil
function M.input(opts)
  return M.await(function(done)
    vim.ui.input(opts, done)
  end)
end

return M
