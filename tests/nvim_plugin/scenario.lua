-- Uses the Preflight plugin the way a user would, in a real Neovim (0.7 or later): open files
-- and let the plugin start and attach the servers, wait for diagnostics, apply a quick fix through
-- Neovim's own code-action menu, run :PreflightFixAll, :PreflightScan, :checkhealth preflight and
-- :PreflightRestart. Writes what it saw to a JSON summary that tests/nvim_plugin.rs checks.
--
-- Run as `nvim --headless --clean -u init.lua -i NONE -n -c "luafile scenario.lua"` in the
-- project folder, with `preflight` on PATH.
-- Input (environment): PREFLIGHT_SUMMARY, where to write the summary.
-- Exit status 0 when every step worked; otherwise 1, with the reason on stderr.

local TIMEOUT_MS = 15000

local preflight = require('preflight')

-- Names the plugin must (or must not) take for files the server reads facts from.
local FACT_SOURCE_NAMES = {
  '.env.example', '.env.production.example', '.env.sample', 'example.env', 'env.example', '.env',
  '.env.local', '.dockerignore', 'api.dockerignore', 'docker-compose.yml', 'compose.prod.yaml',
  'docker-compose-dev.yml', 'compose.yml.bak', 'composer.json', 'package.json', 'package-lock.json',
  'tsconfig.json', 'tsconfig.build.json', 'pyproject.toml', 'requirements-dev.txt', 'setup.cfg',
  'notes.md',
}

local function check(condition, message)
  if not condition then
    error(message, 0)
  end
end

local function describe(value)
  return vim.inspect(value, { newline = ' ', indent = '' })
end

-- Notifications are part of what the user sees; keep them all.
local notifications = {}
vim.notify = function(message, level)
  table.insert(notifications, { message = message, level = level or vim.log.levels.INFO })
end

local function wait_for(what, condition, details)
  local ok = vim.wait(TIMEOUT_MS, condition, 20)
  check(
    ok,
    'timed out after '
      .. TIMEOUT_MS
      .. ' ms waiting for '
      .. what
      .. (details and ('; ' .. details()) or '')
      .. '; notifications '
      .. describe(notifications)
  )
end

local function summarise(diagnostics)
  local out = {}
  for _, d in ipairs(diagnostics) do
    table.insert(out, { code = d.code, severity = d.severity, lnum = d.lnum, message = d.message })
  end
  table.sort(out, function(a, b)
    return a.lnum < b.lnum
  end)
  return out
end

local function count(bufnr, code, needle)
  local n = 0
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code and (needle == nil or d.message:find(needle, 1, true)) then
      n = n + 1
    end
  end
  return n
end

local function lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

local function open(path)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

local function client_of(bufnr)
  local client = preflight.clients(bufnr)[1]
  return client and { id = client.id, root = client.config.root_dir } or vim.NIL
end

local function main()
  local summary = { notifications = notifications }
  local project = vim.fn.getcwd()

  -- 1. Opening a TypeScript file starts the server; its diagnostics reach vim.diagnostic.
  local app = open('web/src/app.ts')
  check(vim.bo[app].filetype == 'typescript', 'filetype is ' .. describe(vim.bo[app].filetype))
  wait_for('three debug-print diagnostics in web/src/app.ts', function()
    return count(app, 'debug-print') == 3
  end, function()
    return describe(vim.diagnostic.get(app))
  end)
  summary.initial = summarise(vim.diagnostic.get(app))
  local initial_lines = lines(app)

  -- 2. A quick fix through Neovim's own menu (vim.ui.select), on the first `debugger`.
  local debugger_line = nil
  for index, text in ipairs(lines(app)) do
    if debugger_line == nil and text:find('debugger', 1, true) then
      debugger_line = index
    end
  end
  vim.api.nvim_win_set_cursor(0, { debugger_line, 4 })
  local offered = nil
  vim.ui.select = function(items, opts, on_choice)
    offered = {}
    local choice = nil
    for _, item in ipairs(items) do
      local title = opts.format_item(item)
      table.insert(offered, title)
      if title == 'Remove the `debugger` statement' then
        choice = item
      end
    end
    on_choice(choice)
  end
  vim.lsp.buf.code_action()
  wait_for('the quick fix to remove one `debugger`', function()
    return count(app, 'debug-print', '`debugger`') == 1 and not vim.deep_equal(lines(app), initial_lines)
  end, function()
    return 'offered ' .. describe(offered) .. '; buffer ' .. describe(lines(app))
  end)
  summary.quickfix_titles = offered
  summary.after_quickfix = lines(app)

  -- 3. :PreflightFixAll applies the remaining safe fix (the other `debugger`) and nothing else.
  vim.cmd('PreflightFixAll')
  summary.after_fix_all = lines(app)
  wait_for('only the console.log diagnostic after :PreflightFixAll', function()
    return count(app, 'debug-print') == 1 and count(app, 'debug-print', '`console.log`') == 1
  end, function()
    return describe(vim.diagnostic.get(app))
  end)
  summary.after_fix_all_diagnostics = summarise(vim.diagnostic.get(app))
  vim.cmd('write')

  -- 4. One client per root: the Dockerfile shares web/'s client, worker/ gets its own.
  local dockerfile = open('web/Dockerfile')
  wait_for('a malformed-entrypoint diagnostic in web/Dockerfile', function()
    return count(dockerfile, 'malformed-entrypoint') == 1
  end)
  local tasks = open('worker/tasks.py')
  wait_for('a debug-print diagnostic in worker/tasks.py', function()
    return count(tasks, 'debug-print', '`breakpoint()`') == 1
  end)
  -- 4b. The plugin attaches an env example file by its name, whatever its file type, so an
  -- unsaved edit there counts; so is a manifest, and a file the server does not read is not.
  local settings = open('worker/settings.py')
  wait_for('an env-not-documented diagnostic in worker/settings.py', function()
    return count(settings, 'env-not-documented', '`WORKER_QUEUE`') == 1
  end, function()
    return describe(vim.diagnostic.get(settings))
  end)
  local pyproject = open('worker/pyproject.toml')
  summary.pyproject_clients = #preflight.clients(pyproject)
  local notes = open('worker/notes.md')
  summary.notes_clients = #preflight.clients(notes)
  local example = open('worker/.env.example')
  summary.example_clients = #preflight.clients(example)
  vim.api.nvim_buf_set_lines(example, -1, -1, false, { 'WORKER_QUEUE=' })
  wait_for('env-not-documented to clear after the unsaved edit of worker/.env.example', function()
    return count(settings, 'env-not-documented') == 0
  end, function()
    return describe(vim.diagnostic.get(settings))
  end)
  summary.example_modified = vim.bo[example].modified
  summary.fact_sources = {}
  for _, name in ipairs(FACT_SOURCE_NAMES) do
    summary.fact_sources[name] = preflight.is_fact_source(name)
  end

  summary.filetypes = { vim.bo[app].filetype, vim.bo[dockerfile].filetype, vim.bo[tasks].filetype }
  summary.clients = { app = client_of(app), dockerfile = client_of(dockerfile), tasks = client_of(tasks) }
  summary.mono_root = preflight.find_root(project .. '/mono/packages/api/index.js') or vim.NIL

  -- 5. :PreflightScan reports a file nobody opened (there was no scan at start-up).
  local report_uri = vim.uri_from_fname(project .. '/web/src/report.ts')
  local report = vim.uri_to_bufnr(report_uri)
  summary.report_before_scan = #vim.diagnostic.get(report)
  vim.cmd('PreflightScan')
  wait_for('diagnostics for web/src/report.ts after :PreflightScan', function()
    return count(report, 'debug-print', '`debugger`') == 1
  end)

  -- 6. :checkhealth preflight.
  vim.cmd('checkhealth preflight')
  summary.health = lines(vim.api.nvim_get_current_buf())
  vim.cmd('tabclose')

  -- 7. :PreflightRestart replaces both clients, which attach again and publish again.
  local before = {}
  for _, client in ipairs(preflight.clients()) do
    before[client.id] = true
  end
  vim.cmd('PreflightRestart')
  local restarted = {}
  wait_for('two new clients after :PreflightRestart with diagnostics for web/src/app.ts', function()
    restarted = preflight.clients()
    for _, client in ipairs(restarted) do
      if before[client.id] then
        return false
      end
    end
    local new_app = preflight.clients(app)[1]
    if #restarted ~= 2 or new_app == nil then
      return false
    end
    -- The diagnostics the new client pushed.
    local pushed = vim.lsp.diagnostic.get_namespace(new_app.id, false)
    return #vim.diagnostic.get(app, { namespace = pushed }) == 1
  end, function()
    return describe(vim.tbl_map(function(c)
      return c.id
    end, preflight.clients()))
  end)
  summary.restart = { before = vim.tbl_count(before), after = #restarted }

  -- 8. Stop the servers before leaving, so none outlives the test.
  local clients = preflight.clients()
  for _, client in ipairs(clients) do
    if vim.fn.has('nvim-0.11') == 1 then
      client:stop()
    else
      client.stop()
    end
  end
  wait_for('the servers to exit', function()
    for _, client in ipairs(clients) do
      if vim.lsp.get_client_by_id(client.id) ~= nil then
        return false
      end
    end
    return true
  end)

  local handle = assert(io.open(os.getenv('PREFLIGHT_SUMMARY'), 'w'))
  handle:write(vim.fn.json_encode(summary))
  handle:close()
end

local ok, err = pcall(main)
if ok then
  vim.cmd('qall!')
else
  io.stderr:write('nvim plugin e2e: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
