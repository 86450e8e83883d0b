-- :checkhealth tandem — Neovim version, the `tandem` command and its version, Python, the API key, rg, bwrap.

local M = {}

local health = vim.health

---First line of a command's output, or nil and the reason it failed.
---@param argv string[]
---@return string|nil, string|nil
local function run(argv)
  local ok, result = pcall(function()
    return vim.system(argv, { text = true }):wait(10000)
  end)
  if not ok then
    return nil, tostring(result)
  end
  if result.code ~= 0 then
    return nil, ("exit code %d: %s"):format(result.code, vim.trim(result.stderr or ""))
  end
  local out = vim.trim((result.stdout ~= "" and result.stdout or result.stderr) or "")
  return (out:gsub("\n.*", ""))
end

---The interpreter named by a script's #! line, if the file is a script.
---@param path string
---@return string|nil
local function shebang(path)
  local file = io.open(path, "r")
  if not file then
    return nil
  end
  local first = file:read("*l") or ""
  file:close()
  return first:match("^#!%s*(%S+)")
end

local function check_neovim()
  local v = vim.version()
  local shown = ("%d.%d.%d"):format(v.major, v.minor, v.patch)
  if vim.fn.has("nvim-0.11") == 1 then
    health.ok("Neovim " .. shown)
  else
    health.error("Neovim " .. shown .. " is too old", { "Tandem needs Neovim 0.11 or newer" })
  end
end

---@return string|nil path of the tandem executable
local function check_tandem()
  local cmd = require("tandem.config").options.cmd
  local problem = require("tandem.client").check_cmd()
  if problem then
    health.error(problem, { "pip install tandem, uv tool install tandem, or set the `cmd` option" })
    return nil
  end
  local path = vim.fn.exepath(cmd[1])
  local version, err = run({ path, "--version" })
  if version then
    health.ok(("`%s` found: %s (%s)"):format(cmd[1], version, path))
  else
    health.error(("`%s --version` failed: %s"):format(path, err))
  end
  return path
end

---@param tandem_path string|nil
local function check_python(tandem_path)
  local interpreter = tandem_path and shebang(tandem_path)
  if interpreter and interpreter:match("python") then
    local version, err = run({ interpreter, "--version" })
    if version then
      health.ok(("Python used by tandem: %s (%s)"):format(version, interpreter))
    else
      health.warn(("tandem's Python %s does not run: %s"):format(interpreter, err))
    end
    return
  end
  local python = vim.fn.exepath("python3")
  if python == "" then
    health.warn("python3 not found on $PATH", { "Tandem's server needs Python 3.11 or newer" })
    return
  end
  local version = run({ python, "--version" })
  health.ok(("Python: %s (%s)"):format(version or "?", python))
end

local function check_api_key()
  if (vim.env.ANTHROPIC_API_KEY or "") ~= "" then
    health.ok("ANTHROPIC_API_KEY is set")
  else
    health.warn("ANTHROPIC_API_KEY is not set", {
      "export ANTHROPIC_API_KEY=... before starting Neovim, or pass it with setup({ env = { ... } })",
    })
  end
end

---@param name string
---@param why string
---@param tandem_path string|nil
local function check_tool(name, why, tandem_path)
  local path = vim.fn.exepath(name)
  if path == "" and tandem_path then -- the tandem package brings rg into its own bin/
    local beside = vim.fs.joinpath(vim.fs.dirname(tandem_path), name)
    path = vim.fn.executable(beside) == 1 and beside or ""
  end
  if path == "" then
    health.warn(("`%s` not found: %s"):format(name, why))
    return
  end
  health.ok(("`%s` found: %s (%s)"):format(name, run({ path, "--version" }) or "?", path))
end

function M.check()
  health.start("Neovim")
  check_neovim()
  health.start("Tandem server")
  local tandem_path = check_tandem()
  check_python(tandem_path)
  check_api_key()
  health.start("Tools")
  check_tool("rg", "the Grep and Glob tools need ripgrep", tandem_path)
  check_tool("bwrap", "the Bash tool runs without a sandbox (install bubblewrap)", tandem_path)
end

return M
