-- What the server sends to Neovim: session/update, session/request_permission, workspace/applyEdit (strict about
-- versions, one undo step per edit, saved when the buffer was clean) and the pending hunks of `_tandem/hunks`.

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

---Whether the file on disk holds what the unmodified buffer shows (nothing changed it behind Neovim's back), so
---writing the buffer loses nothing and asks nothing. A file gone from disk is not recreated.
---@param bufnr integer
---@return boolean
local function disk_matches(bufnr)
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if vim.fn.filereadable(fname) == 0 then
    return false
  end
  local ok, disk = pcall(vim.fn.readfile, fname)
  if not ok then
    return false
  end
  local fenc = vim.bo[bufnr].fileencoding
  if fenc ~= "" and fenc ~= "utf-8" then
    return true -- the bytes on disk are another encoding: no cheap comparison, trust 'modified'
  end
  if vim.bo[bufnr].bomb and disk[1] then
    disk[1] = disk[1]:gsub("^\239\187\191", "")
  end
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  if #disk ~= #lines and not (#disk == 0 and #lines == 1 and lines[1] == "") then
    return false
  end
  local dos = vim.bo[bufnr].fileformat == "dos"
  for i, line in ipairs(disk) do
    if (dos and line:gsub("\r$", "") or line) ~= lines[i] then
      return false
    end
  end
  return true
end

---The buffers to write once the edit is applied (`save_agent_edits`): those the user has no unsaved changes in.
---A modified buffer (the user's own typing) is never written behind their back: it keeps the agent's change on top,
---unsaved. Nor is one whose file changed on disk since it was read, one that is not a plain file, or a read-only one.
---@param bufnr integer
---@return boolean
local function should_save(bufnr)
  local bo = vim.bo[bufnr]
  if bo.modified or bo.buftype ~= "" or bo.readonly or vim.api.nvim_buf_get_name(bufnr) == "" then
    return false
  end
  if not disk_matches(bufnr) then
    require("tandem.util").notify(
      ("%s changed on disk since it was read: the agent's edit is in the buffer, not saved"):format(
        vim.api.nvim_buf_get_name(bufnr)
      ),
      vim.log.levels.WARN
    )
    return false
  end
  return true
end

---Writes `bufnr` as `:write` does, so the agent's next command (tests, a build) reads the new text from disk. Not
---`noautocmd`: the user's BufWritePre/BufWritePost hooks (format on save, linters) run as for their own save, and
---vim.lsp sends textDocument/didSave from BufWritePost. `silent` keeps the "written" message out of the way.
---@param bufnr integer
local function save(bufnr)
  if not vim.api.nvim_buf_is_loaded(bufnr) or not vim.bo[bufnr].modified then
    return -- the edit changed nothing
  end
  local ok, err = pcall(vim.api.nvim_buf_call, bufnr, function()
    vim.cmd("silent write")
  end)
  if not ok then
    require("tandem.util").notify(
      ("the agent's edit to %s was applied but not saved: %s"):format(vim.api.nvim_buf_get_name(bufnr), err),
      vim.log.levels.WARN
    )
  end
end

---workspace/applyEdit that refuses an edit made against an older version of a buffer (Neovim's default handler
---skips it but answers applied = true), or made from text the buffer no longer holds, so what the user typed since
---is never overwritten, and the server knows. Then, with `save_agent_edits`, the buffers that were unmodified
---before the edit are written (the edit of a file not loaded in Neovim loads it from disk: it is written too).
---@param params lsp.ApplyWorkspaceEditParams
---@param ctx lsp.HandlerContext
---@return lsp.ApplyWorkspaceEditResult
function M.apply_edit(_, params, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client or not params or not params.edit then
    return { applied = false, failureReason = "no edit" }
  end
  local touched = {} ---@type integer[]
  local unloaded = {} ---@type string[] file names of edited URIs without a loaded buffer
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
    elseif doc and change.edits and doc.uri:match("^file:") then
      table.insert(unloaded, vim.uri_to_fname(doc.uri))
    end
  end
  for uri in pairs(params.edit.changes or {}) do
    local bufnr = loaded_buffer(uri)
    if bufnr then
      table.insert(touched, bufnr)
    elseif uri:match("^file:") then
      table.insert(unloaded, vim.uri_to_fname(uri))
    end
  end
  local to_save = {} ---@type integer[]
  if require("tandem.config").options.save_agent_edits then
    for _, bufnr in ipairs(touched) do
      if should_save(bufnr) then
        table.insert(to_save, bufnr)
      end
    end
  else
    unloaded = {}
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
  if ok then
    for _, fname in ipairs(unloaded) do
      local bufnr = vim.fn.bufnr(fname)
      if bufnr > 0 and vim.bo[bufnr].buftype == "" and not vim.bo[bufnr].readonly then
        table.insert(to_save, bufnr)
      end
    end
    -- before answering: once the server hears "applied", the agent's next command may read the file
    for _, bufnr in ipairs(to_save) do
      save(bufnr)
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
