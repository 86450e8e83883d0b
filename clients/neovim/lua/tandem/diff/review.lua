-- Review after the fact: :TandemReview fills the quickfix list with the session's changes (pending hunks from
-- `_tandem/hunks`, plus the agent's applied hunks from `_tandem/review/list`), :TandemRewind puts the code back as
-- it was before one of your messages (`_tandem/rewind`, turns are 1-based), optionally the conversation too.

local async = require("tandem.async")
local client = require("tandem.client")
local diff = require("tandem.diff")
local util = require("tandem.util")

local M = {}

---Quickfix items from a `_tandem/review/list` result { files = [{ path, uri, hunks, turns, created }] }.
---@param result tandem.ReviewListResult|table|nil
---@return table[]
function M.normalize(result)
  local items = {}
  for _, file in ipairs(type(result) == "table" and result.files or {}) do
    local path = file.path or (file.uri and vim.uri_to_fname(file.uri))
    local turns = #(file.turns or {}) > 0 and (" turn " .. table.concat(file.turns, ",")) or ""
    for _, hunk in ipairs(path and file.hunks or {}) do
      local sample = (hunk.added or {})[1] or (hunk.removed or {})[1] or ""
      table.insert(items, {
        filename = path,
        lnum = math.max(hunk.newStart or 1, 1),
        text = ("%s%s +%d -%d  %s"):format(file.created and "created" or "changed", turns, hunk.newLines or 0,
          hunk.oldLines or 0, vim.trim(sample)),
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

---Asks which message to go back before and whether to cut the conversation there too, sends `_tandem/rewind`
---{ sessionId, turn (1-based), conversation } and reloads the transcript when the conversation was cut (coroutine).
---@param s tandem.Session
function M.rewind(s)
  if #s.prompts == 0 then
    util.notify("nothing to rewind")
    return
  end
  local turns = {}
  for i = #s.prompts, 1, -1 do
    table.insert(turns, i)
  end
  local turn = async.select(turns, {
    prompt = "Put the code back as it was before which message?",
    format_item = function(i)
      return ("%d. %s"):format(i, (s.prompts[i]:gsub("\n", " ")))
    end,
  })
  if not turn then
    return
  end
  local how = async.select({ "code", "conversation" }, {
    prompt = "Rewind",
    format_item = function(what)
      return what == "code" and "The code only" or "The code and the conversation"
    end,
  })
  if not how then
    return
  end
  local c, err = require("tandem.session").client_of(s)
  if not c then
    return util.error(err or "no server")
  end
  local params = { sessionId = s.id, turn = turn, conversation = how == "conversation" }
  local call_err, result = client.call(c, "_tandem/rewind", params)
  if call_err then
    return util.error("rewind failed: " .. call_err)
  end
  s.chat:notice("Rewound to before message " .. turn .. ": " .. ((result and result.message) or "done"))
  if result and result.message then
    util.notify(result.message)
  end
  if how == "conversation" then
    local reloaded = require("tandem.session").load(s.root, s.id)
    if reloaded then
      reloaded.chat:show()
    end
  end
end

return M
