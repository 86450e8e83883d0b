-- What the server sends to Neovim: session/update, session/request_permission, workspace/applyEdit (strict about
-- versions, one undo step per edit) and the pending hunks of `_tandem/hunks`.

local M = {}

---@param reason string
---@return lsp.ApplyWorkspaceEditResult
local function refuse(reason)
  require("tandem.util").notify("an edit was not applied: " .. reason, vim.log.levels.WARN)
  return { applied = false, failureReason = reason }
end

---Closes the current undo block of `bufnr`, so the next change is its own undo step.
---@param bufnr integer
local function break_undo(bufnr)
  vim.api.nvim_buf_call(bufnr, function()
    vim.cmd("let &g:undolevels = &g:undolevels")
  end)
end

---The loaded buffer of a URI, without creating one.
---@param uri string
---@return integer|nil
local function loaded_buffer(uri)
  local ok, fname = pcall(vim.uri_to_fname, uri)
  if not ok then
    return nil
  end
  local bufnr = vim.fn.bufnr(fname)
  if bufnr > 0 and vim.api.nvim_buf_is_loaded(bufnr) then
    return bufnr
  end
  return nil
end

---The text of a buffer as a file would hold it, without carriage returns.
---@param bufnr integer
---@return string
local function buffer_text(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
  if vim.bo[bufnr].eol then -- as vim.lsp sends it in didOpen/didChange
    text = text .. "\n"
  end
  return text
end

---@param text string|nil
---@return string|nil
local function plain(text)
  return text and (text:gsub("\r", ""))
end

---Why a whole-file edit must not be applied: it is the edit the user allowed, made from the text the permission
---showed, but the buffer no longer holds that text (the user typed meanwhile). Nil when it is fine.
---@param bufnr integer
---@param change lsp.TextDocumentEdit
---@return string|nil
local function stale_base(bufnr, change)
  local path = vim.uri_to_fname(change.textDocument.uri)
  local edit = require("tandem.permission").take_allowed(path)
  if not edit or #change.edits ~= 1 or plain(change.edits[1].newText) ~= plain(edit.new) then
    return nil
  end
  if plain(edit.old or "") ~= plain(buffer_text(bufnr)) then
    return path .. " changed in the editor after the edit was proposed; it was not applied over your text"
  end
  return nil
end

---workspace/applyEdit that refuses an edit made against an older version of a buffer (Neovim's default handler
---skips it but answers applied = true), or made from text the buffer no longer holds, so what the user typed since
---is never overwritten, and the server knows.
---@param params lsp.ApplyWorkspaceEditParams
---@param ctx lsp.HandlerContext
---@return lsp.ApplyWorkspaceEditResult
function M.apply_edit(_, params, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client or not params or not params.edit then
    return { applied = false, failureReason = "no edit" }
  end
  local touched = {} ---@type integer[]
  for _, change in ipairs(params.edit.documentChanges or {}) do
    local doc = change.textDocument
    local bufnr = doc and change.edits and loaded_buffer(doc.uri)
    if bufnr then
      local have = vim.lsp.util.buf_versions[bufnr] or vim.b[bufnr].changedtick
      -- Neovim sends version 0 in didOpen and changedtick afterwards: 0 is a real version here
      if type(doc.version) == "number" and have > doc.version then
        return refuse(("%s changed in the editor (version %d, the edit was made for %d)"):format(
          vim.uri_to_fname(doc.uri),
          have,
          doc.version
        ))
      end
      local stale = stale_base(bufnr, change)
      if stale then
        return refuse(stale)
      end
      table.insert(touched, bufnr)
    end
  end
  for uri in pairs(params.edit.changes or {}) do
    local bufnr = loaded_buffer(uri)
    if bufnr then
      table.insert(touched, bufnr)
    end
  end
  for _, bufnr in ipairs(touched) do
    break_undo(bufnr)
  end
  local ok, err = pcall(vim.lsp.util.apply_workspace_edit, params.edit, client.offset_encoding)
  for _, bufnr in ipairs(touched) do
    if vim.api.nvim_buf_is_valid(bufnr) then
      break_undo(bufnr)
    end
  end
  return { applied = ok, failureReason = (not ok) and tostring(err) or nil }
end

---The handler table given to vim.lsp.start.
---@return table<string, function>
function M.table()
  return {
    ["session/update"] = function(_, params, ctx)
      require("tandem.session").on_update(ctx.client_id, params)
    end,
    ["session/request_permission"] = function(_, params, ctx)
      return require("tandem.permission").handle(params, ctx)
    end,
    ["workspace/applyEdit"] = M.apply_edit,
    ["_tandem/hunks"] = function(_, params, ctx)
      require("tandem.diff").on_hunks(ctx.client_id, params)
    end,
  }
end

return M
