-- Drives `preflight lsp` from a real Neovim (0.7 or later), the way a user's editor would:
-- open a file, wait for the pushed diagnostics, ask for code actions on the `debugger`
-- diagnostic, apply its quickfix, wait for the refreshed diagnostics, save, shut the server down.
--
-- Run by tests/nvim.rs as `nvim --headless -u NONE -i NONE -n -c "luafile quickfix.lua"`.
-- Input (environment): PREFLIGHT_BIN, PREFLIGHT_ROOT (project folder), PREFLIGHT_FILE (file to
-- open), PREFLIGHT_SUMMARY (where to write the JSON summary).
-- Exit status 0 when every step worked; otherwise 1, with the reason on stderr.

local TIMEOUT_MS = 15000

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == '' then
    error(name .. ' is not set', 0)
  end
  return value
end

local function check(condition, message)
  if not condition then
    error(message, 0)
  end
end

local function describe(value)
  return vim.inspect(value, { newline = ' ', indent = '' })
end

-- `code` sits at the top level of a vim.diagnostic since 0.7; older layouts kept it in user_data.
local function code_of(diagnostic)
  if diagnostic.code ~= nil then
    return diagnostic.code
  end
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp
  return lsp and lsp.code
end

local function summarise(diagnostics)
  local out = {}
  for _, d in ipairs(diagnostics) do
    table.insert(out, {
      code = code_of(d),
      source = d.source,
      severity = d.severity,
      message = d.message,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
    })
  end
  table.sort(out, function(a, b)
    if a.lnum ~= b.lnum then
      return a.lnum < b.lnum
    end
    return a.col < b.col
  end)
  return out
end

local function has_message(diagnostics, needle)
  for _, d in ipairs(diagnostics) do
    if code_of(d) == 'debug-print' and d.message:find(needle, 1, true) then
      return true
    end
  end
  return false
end

local function main()
  local bin = env('PREFLIGHT_BIN')
  local root = env('PREFLIGHT_ROOT')
  local file = env('PREFLIGHT_FILE')
  local summary_path = env('PREFLIGHT_SUMMARY')

  -- A user's editor has filetype detection on, so didOpen carries languageId "typescript".
  vim.cmd('filetype on')

  -- Keep every raw publishDiagnostics (the LSP form, with `data`) next to Neovim's own handling.
  local published = {}
  local default_publish = vim.lsp.handlers['textDocument/publishDiagnostics']
  local exited = nil

  local client_id = vim.lsp.start_client({
    name = 'preflight',
    cmd = { bin, 'lsp' },
    root_dir = root,
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        if result then
          published[result.uri] = result
        end
        return default_publish(err, result, ctx, config)
      end,
    },
    on_exit = function(code, signal)
      exited = { code = code, signal = signal }
    end,
  })
  check(client_id, 'vim.lsp.start_client failed to start `' .. bin .. ' lsp`')

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'typescript', 'filetype is ' .. describe(vim.bo[bufnr].filetype))
  check(vim.lsp.buf_attach_client(bufnr, client_id), 'vim.lsp.buf_attach_client failed')
  local uri = vim.uri_from_bufnr(bufnr)

  -- 1. The pushed diagnostics reach Neovim's diagnostic store.
  vim.wait(TIMEOUT_MS, function()
    return exited ~= nil
      or (
        has_message(vim.diagnostic.get(bufnr), '`debugger`')
        and has_message(vim.diagnostic.get(bufnr), '`console.log`')
      )
  end, 20)
  check(
    exited == nil
      and has_message(vim.diagnostic.get(bufnr), '`debugger`')
      and has_message(vim.diagnostic.get(bufnr), '`console.log`'),
    'no debug-print diagnostics for `debugger` and `console.log` within '
      .. TIMEOUT_MS
      .. ' ms; buffer has '
      .. describe(vim.diagnostic.get(bufnr))
      .. '; publishes seen for '
      .. describe(vim.tbl_keys(published))
      .. (exited and ('; server exited ' .. describe(exited)) or '')
  )
  local client = vim.lsp.get_client_by_id(client_id)
  local before = summarise(vim.diagnostic.get(bufnr))

  -- 2. Code actions for the `debugger` diagnostic, sent back exactly as the server published it.
  local publish = published[uri]
  check(publish, 'no publishDiagnostics for ' .. uri .. '; got ' .. describe(vim.tbl_keys(published)))
  local target = nil
  for _, d in ipairs(publish.diagnostics) do
    if d.code == 'debug-print' and d.message:find('`debugger`', 1, true) then
      target = d
    end
  end
  check(target, 'the raw publish lacks the `debugger` diagnostic: ' .. describe(publish))

  local responses, request_err = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = target.range,
    context = { diagnostics = { target } },
  }, TIMEOUT_MS)
  check(responses, 'textDocument/codeAction failed: ' .. describe(request_err))
  local response = responses[client_id]
  check(response, 'no codeAction response from the preflight client: ' .. describe(responses))
  check(not response.error, 'textDocument/codeAction error: ' .. describe(response.error))

  local actions = {}
  local quickfix = nil
  for _, action in ipairs(response.result or {}) do
    table.insert(actions, { title = action.title, kind = action.kind or vim.NIL })
    if action.kind == 'quickfix' and not action.title:find('^Ignore') then
      check(quickfix == nil, 'more than one fix for the `debugger` diagnostic: ' .. describe(response.result))
      quickfix = action
    end
  end
  check(quickfix, 'no quickfix among ' .. describe(response.result))
  if not quickfix.edit then
    -- Neovim advertises lazy resolution of `edit`; it resolves the chosen action, as here.
    local resolved, resolve_err = vim.lsp.buf_request_sync(bufnr, 'codeAction/resolve', quickfix, TIMEOUT_MS)
    check(resolved and resolved[client_id], 'codeAction/resolve failed: ' .. describe(resolve_err))
    check(not resolved[client_id].error, 'codeAction/resolve error: ' .. describe(resolved[client_id].error))
    quickfix = resolved[client_id].result
  end
  check(quickfix.edit, 'the resolved quickfix has no edit: ' .. describe(quickfix))

  -- 3. Apply it as Neovim does, in the client's negotiated encoding, then save.
  vim.lsp.util.apply_workspace_edit(quickfix.edit, client.offset_encoding)
  local applied = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  check(not applied:find('debugger', 1, true), 'the buffer still holds `debugger` after the edit:\n' .. applied)

  -- 4. The edit goes to the server as didChange; its next publish is for the new version.
  local refreshed = vim.wait(TIMEOUT_MS, function()
    local latest = published[uri]
    return latest ~= nil
      and latest.version == vim.lsp.util.buf_versions[bufnr]
      and not has_message(vim.diagnostic.get(bufnr), '`debugger`')
      and has_message(vim.diagnostic.get(bufnr), '`console.log`')
  end, 20)
  check(
    refreshed,
    'diagnostics not refreshed for buffer version '
      .. describe(vim.lsp.util.buf_versions[bufnr])
      .. ' within '
      .. TIMEOUT_MS
      .. ' ms; last publish '
      .. describe(published[uri])
  )
  local after = summarise(vim.diagnostic.get(bufnr))

  vim.cmd('write')

  -- 5. shutdown + exit, and the server's exit status.
  vim.lsp.stop_client(client_id)
  check(vim.wait(TIMEOUT_MS, function()
    return exited ~= nil
  end, 20), 'the server did not exit within ' .. TIMEOUT_MS .. ' ms of shutdown/exit')

  local summary = {
    offset_encoding = client.offset_encoding,
    before = before,
    actions = actions,
    applied = quickfix.title,
    after = after,
    exit = exited,
  }
  local handle = assert(io.open(summary_path, 'w'))
  handle:write(vim.fn.json_encode(summary))
  handle:close()
end

local ok, err = pcall(main)
if ok then
  vim.cmd('qall!')
else
  io.stderr:write('nvim e2e: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
