-- Review after the fact: :TandemReview fills the quickfix list with the session's changes (pending hunks from
-- `_tandem/hunks`, plus what `_tandem/review/list` reports), :TandemRewind goes back to before a message.
-- The two `_tandem/...` requests follow a provisional contract (see doc/tandem.txt) until the server has them.

local async = require("tandem.async")
local client = require("tandem.client")
local diff = require("tandem.diff")
local util = require("tandem.util")

local M = {}

---Quickfix items from a `_tandem/review/list` result. Accepted shapes: { files = [...] }, { changes = [...] } or a
---list, each file { uri | path, hunks = [{ id, newStart | line, newLines, oldLines, added, removed, status }] }.
---@param result any
---@return table[]
function M.normalize(result)
  local files = type(result) == "table" and (result.files or result.changes or result) or {}
  local items = {}
  for _, file in ipairs(type(files) == "table" and files or {}) do
    local path = file.path or (file.uri and vim.uri_to_fname(file.uri))
    for _, hunk in ipairs(path and file.hunks or {}) do
      local sample = (hunk.added or {})[1] or (hunk.removed or {})[1] or ""
      table.insert(items, {
        filename = path,
        lnum = math.max(hunk.newStart or hunk.line or 1, 1),
        text = ("%s +%d -%d  %s"):format(hunk.status or "changed", hunk.newLines or 0, hunk.oldLines or 0, vim.trim(sample)),
        user_data = { hunk = hunk.id, uri = file.uri or vim.uri_from_fname(path) },
      })
    end
  end
  return items
end

---Fills the quickfix list and opens it (coroutine).
---@param s tandem.Session|nil
function M.review(s)
  local items = diff.qf_items()
  local note
  local c = s and not s.detached and vim.lsp.get_client_by_id(s.client_id)
  if s and c then
    local err, result = client.call(c, "_tandem/review/list", { sessionId = s.id })
    if err then
      note = "the server cannot list past changes yet (" .. err .. "); showing pending hunks only"
    else
      local seen = {}
      for _, item in ipairs(items) do
        seen[item.filename .. "#" .. tostring(item.user_data.hunk)] = true
      end
      for _, item in ipairs(M.normalize(result)) do
        if not seen[item.filename .. "#" .. tostring(item.user_data.hunk)] then
          table.insert(items, item)
        end
      end
    end
  end
  vim.fn.setqflist({}, " ", { title = "Tandem review", items = items })
  if note then
    util.notify(note, vim.log.levels.WARN)
  end
  if #items == 0 then
    util.notify("nothing to review")
  else
    vim.cmd("botright copen")
  end
end

---Asks which message to go back before, sends `_tandem/rewind` { sessionId, turn } (turn: 0-based index of the
---user message) and reloads the transcript (coroutine).
---@param s tandem.Session
function M.rewind(s)
  if #s.prompts == 0 then
    util.notify("nothing to rewind")
    return
  end
  local indices = {}
  for i = #s.prompts, 1, -1 do
    table.insert(indices, i)
  end
  local choice = async.select(indices, {
    prompt = "Rewind to before which message?",
    format_item = function(i)
      return ("%d. %s"):format(i, (s.prompts[i]:gsub("\n", " ")))
    end,
  })
  if not choice then
    return
  end
  local c, err = require("tandem.session").client_of(s)
  if not c then
    return util.error(err or "no server")
  end
  local call_err = client.call(c, "_tandem/rewind", { sessionId = s.id, turn = choice - 1 })
  if call_err then
    return util.error("rewind failed: " .. call_err)
  end
  local reloaded = require("tandem.session").load(s.root, s.id)
  if reloaded then
    reloaded.chat:show()
  end
end

return M
