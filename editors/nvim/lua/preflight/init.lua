-- Preflight for Neovim: starts `preflight lsp` for the buffers it checks, one client per project
-- root, and adds :PreflightScan, :PreflightFixAll and :PreflightRestart.
--
-- Works on Neovim 0.7 and later without nvim-lspconfig: 0.7 has only `vim.lsp.start_client` and
-- `vim.lsp.buf_attach_client`, so the plugin keeps its own root -> client table there; 0.8 and
-- later use `vim.lsp.start`, which reuses a client with the same name and root by itself.

local M = {}

local NAME = 'preflight'
local FIX_ALL_KIND = 'source.fixAll.preflight'
local SCAN_COMMAND = 'preflight.scanWorkspace'
-- JSON-RPC "content modified": the document changed between the request and the answer.
local CONTENT_MODIFIED = -32801

local uv = vim.uv or vim.loop

M.defaults = {
  -- The server command; the first word is looked up on PATH unless it is a path.
  cmd = { 'preflight', 'lsp' },
  filetypes = { 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python', 'dockerfile' },
  -- Also attach to the files the server reads but does not check (env example files,
  -- `.dockerignore`, compose files, manifests, `tsconfig*.json`), whatever their file type, so
  -- that their unsaved edits count; see M.is_fact_source().
  fact_sources = true,
  -- How a file's root is found; see find_root().
  root_markers = { { 'preflight.toml', '.preflight.toml' }, { 'package.json', 'pyproject.toml', '.git' } },
  -- What the server reads under the `preflight` key: `enable`, `configPath`,
  -- `scanWorkspaceOnStartup`, `rules` (rule id -> "off" | "hint" | "info" | "warning" | "error").
  settings = {},
  -- Passed through to the client configuration when set.
  on_attach = nil,
  capabilities = nil,
}

-- The configuration in force; nil until setup() runs.
M.config = nil

-- Neovim 0.7 only: root (or '' for files outside every root) -> client id.
local started = {}
-- cmd[1] values already reported as missing, so a missing binary is said once.
local reported_missing = {}

local function notify(message, level)
  vim.notify('Preflight: ' .. message, level or vim.log.levels.INFO)
end

-- Client methods became `client:method()` in Neovim 0.11; earlier clients take no `self`.
local method_calls = vim.fn.has('nvim-0.11') == 1
local function call(client, method, ...)
  if method_calls then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function buffer_number(bufnr)
  if bufnr == nil or bufnr == 0 then
    return vim.api.nvim_get_current_buf()
  end
  return bufnr
end

--- The running Preflight clients, all of them or those attached to `bufnr`.
---@param bufnr integer|nil
function M.clients(bufnr)
  local filter = { name = NAME, bufnr = bufnr and buffer_number(bufnr) or nil }
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  local clients = {}
  local attached = filter.bufnr and vim.lsp.buf_get_clients(filter.bufnr) or vim.lsp.get_active_clients()
  for _, client in pairs(attached) do
    if client.name == NAME and not call(client, 'is_stopped') then
      table.insert(clients, client)
    end
  end
  table.sort(clients, function(a, b)
    return a.id < b.id
  end)
  return clients
end

--- The buffers a client is attached to, sorted.
function M.client_buffers(client)
  local buffers = {}
  if client.attached_buffers then
    for bufnr, attached in pairs(client.attached_buffers) do
      if attached then
        table.insert(buffers, bufnr)
      end
    end
  else
    buffers = vim.lsp.get_buffers_by_client_id(client.id)
  end
  table.sort(buffers)
  return buffers
end

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

--- The project root of `path`, or nil when there is none (the file is then checked on its own).
--- `markers` are tried in order, each from the file's folder upwards; a nested list holds
--- markers of equal priority, where the nearest folder holding any of them wins. So by default a
--- `preflight.toml` anywhere above pins the root, else the nearest project manifest or `.git`.
---@param path string
---@param markers (string|string[])[]|nil
function M.find_root(path, markers)
  markers = markers or (M.config or M.defaults).root_markers
  local start = vim.fn.fnamemodify(path, ':p:h')
  for _, entry in ipairs(markers) do
    local names = type(entry) == 'table' and entry or { entry }
    local dir = start
    while true do
      for _, name in ipairs(names) do
        if exists(dir .. '/' .. name) then
          return dir
        end
      end
      local parent = vim.fn.fnamemodify(dir, ':h')
      if parent == dir then
        break
      end
      dir = parent
    end
  end
  return nil
end

-- The file behind a buffer, or nil for buffers that are not files on disk (help, scratch,
-- `fugitive://` and other URI buffers).
local function buffer_file(bufnr)
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  return vim.fn.fnamemodify(name, ':p')
end

local EXAMPLE_SUFFIXES = { 'example', 'sample', 'template', 'dist', 'defaults' }

--- Whether the server reads a file of this name (no folder) for what other files' findings
--- depend on: `.env.example` and its kin, `.dockerignore` files, compose files, the manifests
--- (`package.json`, `pyproject.toml`, `requirements*.txt`), `tsconfig*.json`. The same names as
--- the server's.
---@param name string
function M.is_fact_source(name)
  if name == 'example.env' or name == 'sample.env' or name == 'env.example' then
    return true
  end
  for _, suffix in ipairs(EXAMPLE_SUFFIXES) do
    if name == '.env.' .. suffix or name:match('^%.env%.[%w_-]+%.' .. suffix .. '$') then
      return true
    end
  end
  if name:match('%.dockerignore$') or name == '.dockerignore' then
    return true
  end
  if name == 'package.json' or (name:match('^tsconfig') and name:match('%.json$')) then
    return true
  end
  if name == 'pyproject.toml' or (name:match('^requirements') and name:match('%.txt$')) then
    return true
  end
  local stem = name:match('^(.*)%.yml$') or name:match('^(.*)%.yaml$')
  if stem == nil then
    return false
  end
  local rest = stem:match('^docker%-compose(.*)$') or stem:match('^compose(.*)$')
  return rest ~= nil and (rest == '' or (#rest > 1 and rest:sub(1, 1) == '.'))
end

--- Whether Preflight attaches to `bufnr`, a buffer holding the file `path`.
local function wanted(bufnr, path)
  if vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype) then
    return true
  end
  return M.config.fact_sources and M.is_fact_source(vim.fn.fnamemodify(path, ':t'))
end

local function server_settings()
  local settings = M.config.settings or {}
  -- Accept `{ preflight = {...} }` as well as the inner table.
  if type(settings.preflight) == 'table' then
    settings = settings.preflight
  end
  return { [NAME] = settings }
end

-- The client's capabilities minus pull diagnostics (Neovim 0.10 and later offer them). Preflight
-- pushes the findings of a workspace scan for files that are not open only to clients that do
-- not pull, and Neovim pulls only for open buffers: without this, :PreflightScan would show
-- nothing new.
local function client_capabilities()
  local capabilities = vim.deepcopy(M.config.capabilities or vim.lsp.protocol.make_client_capabilities())
  if capabilities.textDocument then
    capabilities.textDocument.diagnostic = nil
  end
  return capabilities
end

local function client_config(root)
  local settings = server_settings()
  return {
    name = NAME,
    cmd = M.config.cmd,
    root_dir = root,
    init_options = settings,
    settings = settings,
    capabilities = client_capabilities(),
    on_attach = M.config.on_attach,
    on_exit = function(_, _, client_id)
      local key = root or ''
      if started[key] == client_id then
        started[key] = nil
      end
    end,
  }
end

local function executable_found()
  local program = M.config.cmd[1]
  if vim.fn.executable(program) == 1 then
    return true
  end
  if not reported_missing[program] then
    reported_missing[program] = true
    notify(
      '`' .. program .. '` is not executable; install Preflight or set `cmd` in setup() (see :checkhealth preflight)',
      vim.log.levels.ERROR
    )
  end
  return false
end

--- Starts or reuses the client for `bufnr`'s root and attaches it. Returns the client id, or nil
--- when the buffer is not one Preflight checks.
---@param bufnr integer|nil
function M.attach(bufnr)
  bufnr = buffer_number(bufnr)
  if M.config == nil or not vim.api.nvim_buf_is_loaded(bufnr) then
    return nil
  end
  local path = buffer_file(bufnr)
  if path == nil or not wanted(bufnr, path) then
    return nil
  end
  local attached = M.clients(bufnr)[1]
  if attached then
    return attached.id
  end
  if not executable_found() then
    return nil
  end
  local root = M.find_root(path, M.config.root_markers)
  local config = client_config(root)

  if vim.lsp.start then
    local client_id
    -- 0.8 attaches the current buffer; 0.9 and later also take `bufnr`.
    vim.api.nvim_buf_call(bufnr, function()
      client_id = vim.lsp.start(config, { bufnr = bufnr })
    end)
    return client_id
  end

  local key = root or ''
  local client_id = started[key]
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if client == nil or call(client, 'is_stopped') then
    client_id = vim.lsp.start_client(config)
    if client_id == nil then
      notify('cannot start `' .. table.concat(M.config.cmd, ' ') .. '`', vim.log.levels.ERROR)
      return nil
    end
    started[key] = client_id
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
  return client_id
end

--- Asks every running Preflight server to re-scan its workspace (`preflight.scanWorkspace`);
--- the findings arrive as diagnostics (see `:help vim.diagnostic.setqflist()`).
function M.scan()
  local clients = M.clients()
  if #clients == 0 then
    notify('no server is running; open a file Preflight checks first', vim.log.levels.WARN)
    return 0
  end
  local roots = {}
  for _, client in ipairs(clients) do
    local params = { command = SCAN_COMMAND, arguments = {} }
    call(client, 'request', 'workspace/executeCommand', params, function(err)
      if err then
        notify('workspace scan failed: ' .. tostring(err.message or err), vim.log.levels.ERROR)
      end
    end)
    table.insert(roots, client.config.root_dir or '(single files)')
  end
  notify('scanning ' .. table.concat(roots, ', '))
  return #clients
end

local function elapsed_ms(since)
  return (uv.hrtime() - since) / 1e6
end

-- The fix-all action for the buffer's current text, resolved: (action, nil), (nil, nil) when
-- there is nothing to fix, or (nil, message).
local function fix_all_action(client, bufnr, timeout_ms)
  local since = uv.hrtime()
  local remaining = function()
    return math.max(timeout_ms - elapsed_ms(since), 1)
  end
  while elapsed_ms(since) < timeout_ms do
    local tick = vim.api.nvim_buf_get_changedtick(bufnr)
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      -- The whole document: the server clamps a position past the last line to the end.
      range = {
        start = { line = 0, character = 0 },
        ['end'] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 },
      },
      context = { diagnostics = {}, only = { FIX_ALL_KIND } },
    }
    local response, err = call(client, 'request_sync', 'textDocument/codeAction', params, remaining(), bufnr)
    if response == nil then
      return nil, 'textDocument/codeAction: ' .. tostring(err or 'no answer')
    end
    if response.err then
      return nil, 'textDocument/codeAction: ' .. tostring(response.err.message)
    end
    local result = response.result
    -- A null result means the server has not analysed this version of the text yet.
    if result ~= nil and result ~= vim.NIL then
      local action = nil
      for _, candidate in ipairs(result) do
        if candidate.kind == FIX_ALL_KIND then
          action = candidate
        end
      end
      if action == nil then
        return nil, nil
      end
      if action.edit == nil and action.command == nil then
        -- The server leaves `edit` out when the client can resolve it lazily.
        local resolved, resolve_err = call(client, 'request_sync', 'codeAction/resolve', action, remaining(), bufnr)
        if resolved == nil then
          return nil, 'codeAction/resolve: ' .. tostring(resolve_err or 'no answer')
        end
        if resolved.err and resolved.err.code ~= CONTENT_MODIFIED then
          return nil, 'codeAction/resolve: ' .. tostring(resolved.err.message)
        end
        action = not resolved.err and resolved.result or nil
      end
      -- Only an action computed for the text still in the buffer may be applied.
      if action ~= nil and vim.api.nvim_buf_get_changedtick(bufnr) == tick then
        return action, nil
      end
    end
    vim.wait(50)
  end
  return nil, 'no answer within ' .. timeout_ms .. ' ms'
end

local function apply(client, action, bufnr)
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  local command = action.command
  if type(command) == 'table' then
    local params = { command = command.command, arguments = command.arguments }
    call(client, 'request', 'workspace/executeCommand', params, nil, bufnr)
  end
end

--- Applies every safe fix Preflight has for a buffer (`source.fixAll.preflight`), synchronously,
--- so it can run from a BufWritePre autocommand. Returns true when something was applied.
---@param opts table|nil `bufnr` (default: current), `timeout_ms` (default 5000), `quiet`
function M.fix_all(opts)
  opts = opts or {}
  local bufnr = buffer_number(opts.bufnr)
  local clients = M.clients(bufnr)
  if #clients == 0 then
    if not opts.quiet then
      notify('not attached to this buffer', vim.log.levels.WARN)
    end
    return false
  end
  local applied = false
  for _, client in ipairs(clients) do
    local action, err = fix_all_action(client, bufnr, opts.timeout_ms or 5000)
    if err then
      notify('fix all failed: ' .. err, vim.log.levels.ERROR)
    elseif action then
      apply(client, action, bufnr)
      applied = true
    end
  end
  if not applied and not opts.quiet then
    notify('nothing to fix')
  end
  return applied
end

--- Stops every Preflight client, then starts them again for the buffers Preflight checks.
---@param on_done function|nil called once the new clients have been started
function M.restart(on_done)
  if M.config == nil then
    notify('setup() has not been called, so there is nothing to restart', vim.log.levels.WARN)
    return
  end
  local stopping = M.clients()
  for _, client in ipairs(stopping) do
    call(client, 'stop')
  end
  started = {}
  local since = uv.hrtime()
  local forced = false
  local timer = uv.new_timer()
  timer:start(
    0,
    50,
    vim.schedule_wrap(function()
      if timer:is_closing() then
        return
      end
      local alive = {}
      for _, client in ipairs(stopping) do
        local current = vim.lsp.get_client_by_id(client.id)
        if current ~= nil then
          table.insert(alive, current)
        end
      end
      if #alive > 0 and elapsed_ms(since) < 5000 then
        return
      end
      if #alive > 0 and not forced then
        -- The server ignored shutdown; end it and give it one more round.
        forced = true
        for _, client in ipairs(alive) do
          call(client, 'stop', true)
        end
        return
      end
      timer:stop()
      timer:close()
      for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
        M.attach(bufnr)
      end
      if on_done then
        on_done()
      end
    end)
  )
end

--- Defines :PreflightScan, :PreflightFixAll and :PreflightRestart. setup() calls it; without
--- setup() (a client started by nvim-lspconfig or vim.lsp.config under the name `preflight`), the
--- scan and fix-all commands work on that client.
function M.create_commands()
  local command = vim.api.nvim_create_user_command
  command('PreflightScan', function()
    M.scan()
  end, { desc = 'Preflight: re-scan the workspace' })
  command('PreflightFixAll', function()
    M.fix_all()
  end, { desc = 'Preflight: apply every safe fix in this buffer' })
  command('PreflightRestart', function()
    M.restart()
  end, { desc = 'Preflight: restart the language server' })
end

--- Configures the plugin and attaches Preflight to matching buffers, present and future.
--- Calling it again replaces the configuration; running servers receive the new settings.
---@param opts table|nil `cmd`, `filetypes`, `root_markers`, `settings`, `on_attach`, `capabilities`
function M.setup(opts)
  if vim.fn.has('nvim-0.7') == 0 then
    vim.notify('Preflight needs Neovim 0.7 or later', vim.log.levels.ERROR)
    return
  end
  M.config = vim.tbl_extend('force', M.defaults, opts or {})
  if type(M.config.cmd) == 'string' then
    M.config.cmd = { M.config.cmd }
  end
  reported_missing = {}
  M.create_commands()

  local group = vim.api.nvim_create_augroup('preflight', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
    desc = 'Preflight: attach the language server',
  })
  if M.config.fact_sources then
    -- Fact sources are recognised by name: their file type may be anything, or none.
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
      group = group,
      pattern = '*',
      callback = function(args)
        local name = vim.api.nvim_buf_get_name(args.buf)
        if M.is_fact_source(vim.fn.fnamemodify(name, ':t')) then
          M.attach(args.buf)
        end
      end,
      desc = 'Preflight: attach the language server to the files it reads facts from',
    })
  end

  local settings = server_settings()
  for _, client in ipairs(M.clients()) do
    client.config.settings = settings
    call(client, 'notify', 'workspace/didChangeConfiguration', { settings = settings })
  end
  -- Buffers opened before setup() (a lazy-loaded plugin) are attached now.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    M.attach(bufnr)
  end
end

return M
