-- :checkhealth preflight — the server binary, its version and the running clients.
--
-- Every Neovim from 0.7 finds this module by its path (lua/preflight/health.lua). Only the
-- reporting functions differ: 0.7 has the `health` module over the Vimscript `health#report_*`
-- functions, 0.8 `vim.health.report_*`, 0.9 and later `vim.health.start/ok/...` (the
-- `report_*` names were removed later).

local M = {}

local function reporter()
  local api = vim.health
  if api == nil then
    local ok, legacy = pcall(require, 'health')
    api = ok and legacy or {}
  end
  return {
    start = api.start or api.report_start,
    ok = api.ok or api.report_ok,
    info = api.info or api.report_info,
    warn = api.warn or api.report_warn,
    error = api.error or api.report_error,
  }
end

local function trim(text)
  return (text:gsub('^%s+', ''):gsub('%s+$', ''))
end

local function check_binary(report, cmd)
  local program = cmd[1]
  local path = vim.fn.exepath(program)
  if path == '' then
    report.error('`' .. program .. '` not found or not executable', {
      'Build it with `cargo install --path server` in a Preflight checkout.',
      'Put it on PATH, or name it: require("preflight").setup({ cmd = { "/path/to/preflight", "lsp" } })',
    })
    return
  end
  report.ok('binary: ' .. path)
  local output = vim.fn.system({ path, '--version' })
  if vim.v.shell_error ~= 0 then
    report.error('`' .. path .. ' --version` failed (exit ' .. vim.v.shell_error .. '): ' .. trim(output), {
      'Check that the binary runs on this machine.',
    })
    return
  end
  report.ok('version: ' .. trim(output))
end

local function check_clients(report, preflight)
  local clients = preflight.clients()
  if #clients == 0 then
    report.info('no Preflight client is running; open a TypeScript, JavaScript, Python or Dockerfile buffer')
    return
  end
  for _, client in ipairs(clients) do
    local buffers = {}
    for _, bufnr in ipairs(preflight.client_buffers(client)) do
      local name = vim.api.nvim_buf_get_name(bufnr)
      table.insert(buffers, name ~= '' and vim.fn.fnamemodify(name, ':~:.') or ('buffer ' .. bufnr))
    end
    report.ok(
      string.format(
        'client %d, root %s, %s',
        client.id,
        client.config.root_dir or '(none: single files)',
        #buffers == 0 and 'no buffers attached' or ('attached to ' .. table.concat(buffers, ', '))
      )
    )
  end
end

function M.check()
  local report = reporter()
  local preflight = require('preflight')

  report.start('Preflight')
  if vim.fn.has('nvim-0.7') == 1 then
    report.ok('Neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor))
  else
    report.error('Neovim 0.7 or later is required')
  end
  local config = preflight.config
  if config == nil then
    report.warn('setup() has not been called, so no buffer is attached', {
      'Add require("preflight").setup() to your configuration.',
    })
    config = preflight.defaults
  else
    report.ok('setup() done; filetypes: ' .. table.concat(config.filetypes, ', '))
  end
  check_binary(report, config.cmd)

  report.start('Preflight clients')
  check_clients(report, preflight)
end

return M
