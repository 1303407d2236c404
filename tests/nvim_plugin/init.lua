-- The user's configuration for the plugin test, as short as editors/nvim/README.md allows:
-- the plugin on the runtimepath and setup(). `preflight` itself is found on PATH.
-- Input (environment): PREFLIGHT_PLUGIN, the plugin folder (editors/nvim).

vim.opt.runtimepath:prepend(os.getenv('PREFLIGHT_PLUGIN'))
vim.cmd('filetype on')

require('preflight').setup({
  settings = {
    -- No scan at start-up, so :PreflightScan is what reports unopened files.
    scanWorkspaceOnStartup = false,
    -- Settings reach the server: debug-print is a warning unless this says otherwise.
    rules = { ['debug-print'] = 'error' },
  },
})
