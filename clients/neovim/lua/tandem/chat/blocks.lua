-- Pure formatting: what each part of the chat (user message, tool call, plan, permission, notice) looks like as
-- buffer lines. No buffer access here, so it is easy to read and to test.

local config = require("tandem.config")
local util = require("tandem.util")

local M = {}

M.BODY = "    " -- body lines of folded parts (tool output, thinking) are indented by this

---A content block as one line of text for the transcript.
---@param block tandem.ContentBlock|table
---@return string
function M.content_text(block)
  if type(block) ~= "table" then
    return ""
  end
  if block.type == "text" then
    return block.text or ""
  elseif block.type == "resource_link" then
    return ("[@%s](%s)"):format(block.name or block.uri, block.uri)
  elseif block.type == "resource" then
    return "📎 " .. M.short_uri(block.resource and block.resource.uri or "?")
  elseif block.type == "image" then
    return "[image]"
  end
  return ""
end

---`file:///abs/path#L3-L7` as `path#L3-L7` relative to the cwd when possible.
---@param uri string
---@return string
function M.short_uri(uri)
  local path, anchor = uri:match("^file://([^#]*)(.*)$")
  if not path then
    return uri
  end
  path = vim.uri_decode(path)
  return util.relative(path, vim.uv.cwd()) .. anchor
end

---The user's message.
---@param blocks tandem.ContentBlock[]
---@return string[]
function M.user(blocks)
  local lines = { "## You" }
  for _, block in ipairs(blocks) do
    if block.type == "text" then
      vim.list_extend(lines, util.lines(block.text))
    else
      table.insert(lines, M.content_text(block))
    end
  end
  return lines
end

---Unified diff lines of a whole-file change (the hunks only, no file header).
---@param old string|nil
---@param new string
---@return string[]
function M.unified(old, new)
  old = old or ""
  if old ~= "" and not old:match("\n$") then
    old = old .. "\n"
  end
  if new ~= "" and not new:match("\n$") then
    new = new .. "\n"
  end
  local text = vim.diff(old, new, { result_type = "unified", ctxlen = 3 }) --[[@as string]]
  return util.lines(text)
end

---The lines showing a tool call's content (output text, diffs, terminals).
---@param content tandem.ToolCallContent[]|nil
---@return string[]
function M.tool_content(content)
  local lines = {}
  for _, item in ipairs(content or {}) do
    if item.type == "content" then
      vim.list_extend(lines, util.lines(M.content_text(item.content)))
    elseif item.type == "diff" then
      table.insert(lines, (item.oldText and "diff " or "new file ") .. M.short_uri(vim.uri_from_fname(item.path)))
      vim.list_extend(lines, M.unified(item.oldText, item.newText or ""))
    elseif item.type == "terminal" then
      table.insert(lines, "(terminal " .. tostring(item.terminalId) .. ")")
    end
  end
  return lines
end

---Indents body lines and keeps at most `limit` of them.
---@param lines string[]
---@param limit integer
---@return string[]
function M.body(lines, limit)
  local out = {}
  for i, line in ipairs(lines) do
    if i > limit then
      table.insert(out, M.BODY .. ("… %d more lines"):format(#lines - limit))
      break
    end
    out[i] = line == "" and "" or (M.BODY .. line)
  end
  return out
end

---A tool call: a header with its status icon, then its output (folded in the chat).
---@param record table The tool call fields, merged from tool_call and tool_call_update.
---@return string[]
function M.tool(record)
  local icons = config.options.icons
  local icon = icons[record.status or "pending"] or icons.pending
  local title = (record.title or record.name or "tool"):gsub("\n", " ")
  local lines = { icon .. " " .. title }
  vim.list_extend(lines, M.body(M.tool_content(record.content), config.options.chat.tool_output_lines))
  return lines
end

---The thinking header (the streamed thought follows as body lines).
---@return string
function M.thought_header()
  return config.options.icons.thought .. " Thinking"
end

---The agent's plan (replaced as a whole by each plan update).
---@param entries tandem.PlanEntry[]
---@return string[]
function M.plan(entries)
  local marks = { completed = "[x]", in_progress = "[~]", pending = "[ ]" }
  local done = 0
  local lines = {}
  for _, entry in ipairs(entries or {}) do
    if entry.status == "completed" then
      done = done + 1
    end
    table.insert(lines, ("- %s %s"):format(marks[entry.status] or "[ ]", (entry.content or ""):gsub("\n", " ")))
  end
  table.insert(lines, 1, ("%s Plan (%d/%d)"):format(config.options.icons.plan, done, #lines))
  return lines
end

---A permission request: what the agent wants, the diff when the preview goes to the chat, then the answer.
---@param request tandem.RequestPermissionRequest
---@param answer string|nil nil while waiting
---@param with_diff boolean
---@return string[]
function M.permission(request, answer, with_diff)
  local tool = request.toolCall or {}
  local title = (tool.title or tool.name or "a tool call"):gsub("\n", " ")
  local lines = {
    ("%s %s — %s"):format(config.options.icons.permission, title, answer or "waiting for your answer"),
  }
  if with_diff and not answer then
    for _, item in ipairs(tool.content or {}) do
      if item.type == "diff" then
        vim.list_extend(lines, M.body(M.tool_content({ item }), 400))
      end
    end
  end
  return lines
end

---A line from Tandem itself (stop reasons, errors, mode changes).
---@param text string
---@return string[]
function M.notice(text)
  local lines = {}
  for _, line in ipairs(util.lines(text)) do
    table.insert(lines, "> " .. line)
  end
  return lines
end

return M
