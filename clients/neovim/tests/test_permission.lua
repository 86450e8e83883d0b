-- Permission prompts end to end: vim.ui.select answers (allow with a note, dismissed = reject), the diff of an edit
-- in a floating preview or in the chat.

local H = dofile(vim.env.TANDEM_PLUGIN_DIR .. "/tests/helpers.lua")
H.setup()

local function last_tool_result()
  local requests = H.model_requests()
  local messages = requests[#requests].body.messages
  return vim.json.encode(messages[#messages])
end

H.test("Bash runs when allowed, and the note reaches the model", function()
  H.script({
    { blocks = { { type = "tool_use", name = "Bash", input = { command = "echo hello-from-bash > out.txt && cat out.txt" } } } },
    { text = "Ran it." },
  })
  local selects = H.stub_select(H.pick("allow_once"))
  local inputs = H.stub_input("fine by me")
  vim.cmd("Tandem")
  local s = H.session()
  require("tandem").ask("run it")
  H.turn_done(s)
  H.eq(1, #selects, "one permission prompt")
  H.ok(selects[1].opts.prompt:find("echo hello%-from%-bash"), "the prompt names the command: " .. selects[1].opts.prompt)
  local names = vim.tbl_map(function(o)
    return selects[1].opts.format_item(o)
  end, selects[1].items)
  H.eq("Allow", names[1], "the server's options, in its order and with its names: " .. vim.inspect(names))
  H.ok(vim.tbl_contains(names, "Reject"), "a Reject option")
  H.eq(1, #inputs, "asked for a note")
  H.eq("hello-from-bash", H.read(H.workspace .. "/out.txt"), "the command ran")
  H.ok(last_tool_result():find("hello-from-bash", 1, true), "the output went to the model")
  H.has_line(s.chat.buf, "^🔐 echo hello%-from%-bash.* — Allow %(note: fine by me%)$", "the answer is in the chat")
  H.has_line(s.chat.buf, "^✓ echo hello%-from%-bash", "the tool call completed")
  H.eq(0, require("tandem.permission").count(), "no prompt left open")
end)

H.test("a rejection with a note: nothing runs and the model is told why", function()
  H.script({
    { blocks = { { type = "tool_use", name = "Bash", input = { command = "touch should-not-exist" } } } },
    { text = "OK, I will not." },
  })
  H.stub_select(H.pick("reject_once"))
  H.stub_input("not now")
  local s = H.session()
  require("tandem").ask("try it")
  H.turn_done(s)
  H.eq(0, vim.fn.filereadable(H.workspace .. "/should-not-exist"), "nothing ran")
  local result = last_tool_result()
  H.ok(result:find("rejected", 1, true) and result:find("not now", 1, true), "the model learns why: " .. result)
  H.has_line(s.chat.buf, "^✗ touch should%-not%-exist", "the tool call failed")
  H.has_line(s.chat.buf, "— Reject %(note: not now%)$", "the chat shows the rejection")
end)

H.test("a dismissed prompt rejects without asking for a note", function()
  H.script({
    { blocks = { { type = "tool_use", name = "Bash", input = { command = "touch dismissed" } } } },
    { text = "Fine." },
  })
  H.stub_select(function()
    return nil
  end)
  local inputs = H.stub_input("unused")
  local s = H.session()
  require("tandem").ask("try again")
  H.turn_done(s)
  H.eq(0, vim.fn.filereadable(H.workspace .. "/dismissed"), "nothing ran")
  H.eq(0, #inputs, "no note asked")
  H.ok(last_tool_result():find("rejected", 1, true), "rejected")
end)

local function edit_script(path)
  return {
    { blocks = { { type = "tool_use", name = "Read", input = { file_path = path } } } },
    { blocks = { { type = "tool_use", name = "Edit", input = { file_path = path, old_string = "Hello", new_string = "Hi" } } } },
    { text = "Edited." },
  }
end

H.test("an edit's diff is shown in a float while Tandem asks", function()
  local path = H.workspace .. "/src/app.py"
  H.script(edit_script(path))
  local seen
  H.stub_select(function(items)
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then
        local buf = vim.api.nvim_win_get_buf(win)
        seen = { filetype = vim.bo[buf].filetype, lines = H.lines(buf) }
      end
    end
    return H.pick("allow_once")(items)
  end)
  H.stub_input("keep it short")
  local s = H.session()
  require("tandem").ask("say hi")
  H.turn_done(s)
  H.ok(seen, "a floating window was open during the prompt")
  H.eq("diff", seen.filetype, "preview filetype")
  H.ok(H.find(seen.lines, "-    return f'Hello, {name}!'", true), "the removed line")
  H.ok(H.find(seen.lines, "+    return f'Hi, {name}!'", true), "the added line")
  H.ok(H.find(seen.lines, "+++ b/src/app.py", true), "the file header")
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    H.eq("", vim.api.nvim_win_get_config(win).relative, "the float is closed after the answer")
  end
  H.ok(H.read(path):find("return f'Hi, {name}!'", 1, true), "the file on disk (not open in a buffer) was edited")
  H.ok(last_tool_result():find("User feedback: keep it short", 1, true), "the note reached the model")
  H.has_line(s.chat.buf, "^✓ Edit src/app%.py$", "the edit's tool call")
  H.has_line(s.chat.buf, "^    %+    return f'Hi, {name}!'$", "its diff, in the chat under the tool call")
end)

H.test("with preview = 'chat' the diff waits in the chat", function()
  H.setup({ permissions = { preview = "chat", feedback = false } })
  local path = H.workspace .. "/src/app.py"
  H.script({
    { blocks = { { type = "tool_use", name = "Read", input = { file_path = path } } } },
    { blocks = { { type = "tool_use", name = "Edit", input = { file_path = path, old_string = "Hi", new_string = "Hey" } } } },
    { text = "Edited again." },
  })
  local s = H.session()
  local waiting
  local inputs = H.stub_input("never asked")
  H.stub_select(function(items)
    s.chat:flush()
    waiting = H.lines(s.chat.buf)
    return H.pick("reject_once")(items)
  end)
  require("tandem").ask("say hey")
  H.turn_done(s)
  H.ok(H.find(waiting, "^🔐 Edit src/app%.py — waiting for your answer$"), "the waiting prompt in the chat")
  H.ok(H.find(waiting, "^    %+    return f'Hey, {name}!'$"), "the diff under it")
  H.eq(0, #inputs, "feedback = false: no note asked")
  H.has_line(s.chat.buf, "^🔐 Edit src/app%.py — Reject$", "answered")
  H.eq(nil, H.find(H.lines(s.chat.buf), "Hey, {name}", true), "the diff leaves the chat once answered")
  H.ok(H.read(path):find("Hi, {name}", 1, true), "rejected: the file is unchanged")
end)

H.run()
