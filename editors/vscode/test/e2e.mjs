// End-to-end: the packaged extension in a real VS Code (code-server in headless Chromium).
//
// Installs the .vsix into a fresh code-server, opens the fixture project, opens src/app.ts with
// Quick Open, waits for Preflight's `debugger` diagnostic in the Problems panel, opens the
// quick-fix menu on it, applies "Remove the `debugger` statement", saves, and checks the editor
// and the file on disk. Then: "Preflight: Fix All" on a `debugger` typed back in; a settings change
// (preflight.rules) that the running server follows without a restart; "Preflight: Scan
// Workspace" (seen in the protocol trace); "Preflight: Show Output" and "Preflight: Restart
// Server". On failure it prints the extension host log and the extension's output.
//
// Environment:
//   PREFLIGHT_BIN          the preflight executable (required; passed as preflight.path)
//   CODE_SERVER            code-server executable (default: code-server on PATH)
//   CHROMIUM               Chromium executable (default: /usr/bin/chromium)
//   PREFLIGHT_VSIX         the packaged extension (default: ../preflight.vsix)
//   PREFLIGHT_PROJECT      the project to open (default: tests/vscode/project of this repository)
//   PREFLIGHT_SCREENSHOTS  a folder to save screenshots of the diagnostics and the quick fix in
// code-server needs Node 24 first on PATH; the caller arranges that.
//
// Exit status 0 when every step worked, 1 otherwise.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const STEP_TIMEOUT_MS = 20_000;
const started = Date.now();

const bin = process.env.PREFLIGHT_BIN;
const codeServer = process.env.CODE_SERVER || 'code-server';
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const vsix = resolve(process.env.PREFLIGHT_VSIX || join(here, '..', 'preflight.vsix'));
const projectSource = resolve(process.env.PREFLIGHT_PROJECT || join(here, '..', '..', '..', 'tests', 'vscode', 'project'));
const screenshots = process.env.PREFLIGHT_SCREENSHOTS ? resolve(process.env.PREFLIGHT_SCREENSHOTS) : undefined;

function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

if (!bin || !existsSync(bin)) {
  console.error(`PREFLIGHT_BIN must name the preflight executable (got ${JSON.stringify(bin)})`);
  process.exit(1);
}
for (const [what, file] of [['the .vsix', vsix], ['the fixture project', projectSource], ['Chromium', chromiumPath]]) {
  if (!existsSync(file)) {
    console.error(`${what} is missing: ${file}`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'preflight-vscode-e2e-'));
const project = join(work, 'checkout');
const userData = join(work, 'user-data');
const extensions = join(work, 'extensions');
const configFile = join(work, 'code-server.yaml');
cpSync(projectSource, project, { recursive: true });
mkdirSync(join(userData, 'User'), { recursive: true });
mkdirSync(join(userData, 'Machine'), { recursive: true });
writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
const settingsFile = join(userData, 'User', 'settings.json');
// preflight.path is machine-scoped: in a remote window (code-server is one) VS Code takes it from
// the remote's own settings, not from the user's, so the extension's settings go there.
const machineSettingsFile = join(userData, 'Machine', 'settings.json');
const machineSettings = { 'preflight.path': resolve(bin) };
const userSettings = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  // Only Preflight's findings in the Problems panel, and less work for two cores.
  'typescript.validate.enable': false,
  'javascript.validate.enable': false,
  'editor.minimap.enabled': false,
  'breadcrumbs.enabled': false,
  'window.menuBarVisibility': 'compact',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.layoutControl.enabled': false,
};
writeFileSync(settingsFile, JSON.stringify(userSettings, null, 2));
writeFileSync(machineSettingsFile, JSON.stringify(machineSettings, null, 2));

/** Every file below `dir` whose path matches `test`. */
function findFiles(dir, test) {
  if (!existsSync(dir)) {
    return [];
  }
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      found.push(...findFiles(path, test));
    } else if (test(path)) {
      found.push(path);
    }
  }
  return found;
}

function printLogs() {
  const logs = join(userData, 'logs');
  const files = findFiles(logs, (p) => {
    const rel = p.slice(logs.length);
    return /exthost/.test(rel) && (/remoteexthost\.log$/.test(rel) || /preflight/i.test(rel));
  });
  if (files.length === 0) {
    console.error(`(no extension host log under ${logs})`);
  }
  for (const file of files) {
    console.error(`----- ${file.slice(work.length + 1)}`);
    console.error(readFileSync(file, 'utf8'));
  }
}

function withTimeout(promise, what, ms = STEP_TIMEOUT_MS) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000}s: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function installExtension() {
  log(`installing ${vsix}`);
  const result = spawnSync(codeServer, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`code-server --install-extension failed (${result.status ?? result.error}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Starts code-server; resolves with the process and its address once it listens. */
function startCodeServer() {
  const child = spawn(
    codeServer,
    [
      '--config', configFile,
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-workspace-trust',
      '--disable-telemetry',
      '--disable-update-check',
      '--reconnection-grace-time', '30',
      project,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  const address = new Promise((resolveAddress, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /HTTP server listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        resolveAddress(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => reject(new Error(`code-server exited (${code ?? signal}) before listening:\n${output}`)));
    child.on('error', reject);
  });
  return { child, address: withTimeout(address, 'code-server to listen'), output: () => output };
}

function stopCodeServer(child) {
  if (child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** The editor's visible text, with Monaco's non-breaking spaces made plain. */
async function editorText(page) {
  const text = await page.locator('.editor-instance .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** The extension's output channel, as logged to disk. */
function outputLog() {
  return findFiles(join(userData, 'logs'), (p) => p.endsWith('Preflight.log'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('');
}

/** How often the extension's output says it started the server. */
function serverStarts() {
  return outputLog()
    .split('\n').filter((line) => / Starting .* lsp /.test(line)).length;
}

async function waitForEditorWithout(page, needle) {
  await withTimeout(
    (async () => {
      while ((await editorText(page)).includes(needle)) {
        await page.waitForTimeout(100);
      }
    })(),
    `${JSON.stringify(needle)} to disappear from the editor`,
  );
}

async function waitForFile(file, expected) {
  await withTimeout(
    (async () => {
      while (readFileSync(file, 'utf8') !== expected) {
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    `${file} to be saved as expected`,
  ).catch((error) => {
    throw new Error(`${error.message}\n--- expected:\n${expected}--- on disk:\n${readFileSync(file, 'utf8')}`);
  });
}

/** Runs a command from the Command Palette by its title. */
async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  // The palette may still be closing from the last command, and then F1 is lost: ask again.
  await input.waitFor({ state: 'hidden' }).catch(() => {});
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 3000 });
      break;
    } catch (error) {
      if (attempt === 3) {
        throw error;
      }
    }
  }
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Picks the first entry of the open quick pick that shows `label`. */
async function pickItem(page, label) {
  const input = page.locator('.quick-input-widget input');
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
}

async function run() {
  installExtension();
  const server = startCodeServer();
  let browser;
  try {
    const address = await server.address;
    log(`code-server listens on ${address}`);
    browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1100, height: 640 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(`${address}/?folder=${encodeURIComponent(project)}`);
    await page.locator('.monaco-workbench').waitFor();
    log('workbench loaded');

    // Quick Open src/app.ts.
    await page.locator('.monaco-workbench').click({ position: { x: 600, y: 300 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    const quickInput = page.locator('.quick-input-widget input');
    await quickInput.waitFor();
    await quickInput.fill('app.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'app.ts' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: 'app.ts' }).waitFor();
    await page.locator('.editor-instance .view-lines', { hasText: 'debugger' }).waitFor();
    log('src/app.ts is open');

    // The Problems panel shows Preflight's findings.
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'statement left in code' });
    await problem.first().waitFor();
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'left in production code' }).first().waitFor();
    const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    log(`Problems panel:\n  ${rows.join('\n  ').replace(/\n(?!  )/g, ' ')}`);
    if (!rows.some((r) => r.includes('debug-print'))) {
      throw new Error('the Problems panel does not name the rule debug-print');
    }
    // The status bar counts the findings.
    const status = await page.locator('.statusbar-item', { hasText: 'Preflight' }).first().innerText();
    log(`status bar: ${status.trim()}`);
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'diagnostics.png') });
    }

    // Focus the editor on the `debugger` line (double-click the problem) and ask for quick fixes.
    // On the message, left of the rule's link (which would open the rule's documentation).
    // On a busy machine a click can land while the panel re-renders, or Ctrl+. before the editor
    // has the cursor: check where the cursor is and try again a few times.
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Remove the `debugger` statement' });
    for (let attempt = 1; ; attempt++) {
      await problem.first().dblclick({ position: { x: 80, y: 10 } });
      await page.locator('.statusbar-item', { hasText: /Ln 8, Col/ }).first().waitFor({ timeout: 5000 }).catch(() => {});
      // The double-click selects the problem's range in the editor, but whether the editor or the
      // Problems list keeps the keyboard depends on timing; Ctrl+. must go to the editor.
      await page.waitForTimeout(300);
      if (attempt > 1 || (await page.locator('.editor-instance .monaco-editor.focused').count()) === 0) {
        // Click into the `debugger` token itself: the cursor lands inside the problem's range.
        await page.locator('.editor-instance .view-line span span', { hasText: /^debugger;?$/ }).first().click();
      }
      await page.locator('.editor-instance .monaco-editor.focused').first().waitFor({ timeout: 5000 }).catch(() => {});
      await page.keyboard.press('Control+.');
      try {
        await fix.first().waitFor({ timeout: 5000 });
        break;
      } catch (error) {
        const cursor = await page.locator('.statusbar-item', { hasText: /Ln \d+, Col/ }).first().innerText().catch(() => '?');
        log(`attempt ${attempt}: no "Remove the \`debugger\` statement" in the menu (cursor: ${cursor.trim()})`);
        if (attempt === 3) {
          throw error;
        }
        await page.keyboard.press('Escape');
      }
    }
    const offered = await page.locator('.action-widget .monaco-list-row').allInnerTexts();
    log(`quick fixes offered: ${offered.map((o) => o.trim()).join(' | ')}`);
    if (screenshots) {
      await page.screenshot({ path: join(screenshots, 'quick-fix.png') });
    }
    await fix.first().click();

    // The edit lands in the editor; the `console.log` finding stays.
    await waitForEditorWithout(page, 'debugger');
    const text = await editorText(page);
    if (!text.includes("console.log('total', items.length);")) {
      throw new Error(`the editor lost the console.log line:\n${text}`);
    }
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'statement left in code' }).waitFor({ state: 'detached' });
    log('fix applied; the `debugger` problem is gone');

    await page.keyboard.press('Control+S');
    const file = join(project, 'src', 'app.ts');
    const expected = readFileSync(join(projectSource, 'src', 'app.ts'), 'utf8').replace('  debugger;\n', '');
    await waitForFile(file, expected);
    log('saved; the file on disk lost exactly the `debugger` line');

    // Type the `debugger` back in, and let "Preflight: Fix All" (source.fixAll.preflight) take it out.
    await page.keyboard.press('Control+G');
    await quickInput.fill(':7');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('debugger;');
    await problem.first().waitFor();
    await runCommand(page, 'Preflight: Fix All');
    await waitForEditorWithout(page, 'debugger');
    await page.keyboard.press('Control+S');
    await waitForFile(file, expected);
    log('"Preflight: Fix All" removed a new `debugger` line');

    // A settings change reaches the running server (didChangeConfiguration), no restart needed.
    writeFileSync(
      machineSettingsFile,
      JSON.stringify({ ...machineSettings, 'preflight.rules': { 'debug-print': 'off' }, 'preflight.trace.server': 'messages' }, null, 2),
    );
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'left in production code' }).waitFor({ state: 'detached' });
    const starts = serverStarts();
    if (starts !== 1) {
      throw new Error(`the server was started ${starts} times; a settings change must not restart it`);
    }
    log('preflight.rules turned debug-print off; its last problem is gone, without a restart');

    // Scan Workspace asks the server to re-scan, seen in the protocol trace: that takes
    // preflight.trace.server (set above) and the output's log level at Trace.
    await runCommand(page, 'Developer: Set Log Level');
    await pickItem(page, 'Preflight');
    await pickItem(page, 'Trace');
    await runCommand(page, 'Preflight: Scan Workspace');
    await withTimeout(
      (async () => {
        while (!/Received response 'workspace\/executeCommand/.test(outputLog())) {
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      'the workspace/executeCommand response in the trace',
    );
    log('"Preflight: Scan Workspace" ran the server\'s preflight.scanWorkspace');

    // Show Output brings up the extension's log; Restart Server starts the server anew.
    await runCommand(page, 'Preflight: Show Output');
    await withTimeout(
      (async () => {
        const channel = page.locator('.part.panel .monaco-select-box').first();
        const shown = () =>
          channel.evaluate((el) => (el.tagName === 'SELECT' ? el.options[el.selectedIndex]?.text : el.textContent)).catch(() => '');
        while ((await shown())?.trim() !== 'Preflight') {
          await page.waitForTimeout(100);
        }
      })(),
      'the Output view to show the Preflight channel',
    );
    await runCommand(page, 'Preflight: Restart Server');
    await withTimeout(
      (async () => {
        while (serverStarts() < 2) {
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      'a second server start in the output',
    );
    await page.locator('.statusbar-item', { hasText: 'Preflight' }).filter({ hasNotText: /\d/ }).first().waitFor();
    log('"Preflight: Show Output" and "Preflight: Restart Server" work');
  } catch (error) {
    console.error(`FAILED: ${error.stack ?? error}`);
    if (browser) {
      const shot = join(screenshots ?? work, 'failure.png');
      await browser.pages()[0]?.screenshot({ path: shot }).catch(() => {});
      console.error(`(screenshot: ${shot})`);
    }
    console.error('----- code-server output');
    console.error(server.output());
    printLogs();
    return false;
  } finally {
    await browser?.close().catch(() => {});
    stopCodeServer(server.child);
  }
  return true;
}

const ok = await run();
if (ok) {
  rmSync(work, { recursive: true, force: true });
  log('passed');
} else {
  console.error(`(work folder kept: ${work})`);
}
process.exit(ok ? 0 : 1);
