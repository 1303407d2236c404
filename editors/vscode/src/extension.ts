// The Preflight extension: starts `preflight lsp`, keeps its settings in step, and offers the
// commands and the status-bar item. Everything that can be decided without VS Code lives in
// server.ts and settings.ts.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { resolveServer } from './server';
import { needsRestart, serverSettings, settingsPayload } from './settings';

/** The server's command that re-scans every workspace folder. */
const SCAN_WORKSPACE = 'preflight.scanWorkspace';
const FIX_ALL_KIND = 'source.fixAll.preflight';
const LANGUAGES = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python', 'dockerfile'];
/**
 * Files the server reads facts from without analysing them (env examples, Docker ignore files,
 * compose files, manifests): their unsaved edits change other files' diagnostics.
 */
const FACT_SOURCES = [
  '**/{.env,.env.*}.{example,sample,template,dist,defaults}',
  '**/{example.env,sample.env,env.example}',
  '**/{.dockerignore,*.dockerignore}',
  '**/{compose,docker-compose}*.{yml,yaml}',
  '**/{package.json,tsconfig*.json}',
  '**/{pyproject.toml,requirements*.txt}',
];

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
let serverState: 'starting' | 'running' | 'stopped' | 'missing' = 'stopped';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function currentSettings() {
  const config = vscode.workspace.getConfiguration('preflight');
  const { settings, problems } = serverSettings((key) => config.get(key));
  for (const problem of problems) {
    output.warn(problem);
  }
  return settings;
}

function findingCount(): number {
  let count = 0;
  for (const [, diagnostics] of vscode.languages.getDiagnostics()) {
    count += diagnostics.filter((d) => d.source === 'preflight').length;
  }
  return count;
}

function updateStatus(): void {
  const count = findingCount();
  const enabled = vscode.workspace.getConfiguration('preflight').get<boolean>('enable') !== false;
  switch (serverState === 'running' && !enabled ? 'disabled' : serverState) {
    case 'starting':
      status.text = '$(sync~spin) Preflight';
      status.tooltip = 'Preflight: starting the server';
      break;
    case 'running':
      status.text = count === 0 ? '$(check) Preflight' : `$(warning) Preflight ${count}`;
      status.tooltip = `Preflight: ${count} finding${count === 1 ? '' : 's'}. Click to show the output.`;
      break;
    case 'disabled':
      status.text = '$(circle-slash) Preflight';
      status.tooltip = 'Preflight is disabled (preflight.enable)';
      break;
    case 'missing':
      status.text = '$(error) Preflight';
      status.tooltip = 'Preflight: the server was not found. Click to show the output.';
      break;
    default:
      status.text = '$(debug-stop) Preflight';
      status.tooltip = 'Preflight: the server is not running. Click to show the output.';
  }
  status.show();
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const resolution = resolveServer({
    configuredPath: vscode.workspace.getConfiguration('preflight').get<string>('path') ?? '',
    extensionPath: context.extensionPath,
    workspaceFolder: folder,
    platform: process.platform,
    arch: process.arch,
    envPath: process.env.PATH ?? '',
    homeDir: os.homedir(),
    isExecutable,
  });
  if (!resolution.ok) {
    serverState = 'missing';
    updateStatus();
    output.error(resolution.message);
    // Not awaited: activation must not wait for the user to answer.
    void vscode.window.showErrorMessage(resolution.message, 'Open Settings', 'Show Output').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'preflight.path');
      } else if (choice === 'Show Output') {
        output.show();
      }
    });
    return;
  }
  output.info(`Starting ${resolution.command} lsp (found via ${resolution.source})`);

  const serverOptions: ServerOptions = {
    command: resolution.command,
    args: ['lsp'],
    options: { env: { ...process.env, RUST_BACKTRACE: '1' } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      ...LANGUAGES.map((language) => ({ scheme: 'file', language })),
      ...FACT_SOURCES.map((pattern) => ({ scheme: 'file', pattern })),
    ],
    outputChannel: output,
    initializationOptions: () => settingsPayload(currentSettings()),
  };
  const next = new LanguageClient('preflight', 'Preflight', serverOptions, clientOptions);
  client = next;
  next.onDidChangeState((event) => {
    if (client !== next) {
      return; // a client being replaced by Restart Server
    }
    serverState = event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped';
    updateStatus();
  });
  serverState = 'starting';
  updateStatus();
  try {
    await next.start();
  } catch (error) {
    serverState = 'stopped';
    updateStatus();
    output.error(`The Preflight server did not start: ${String(error)}`);
    void vscode.window.showErrorMessage(`Preflight: the server did not start (${String(error)}).`, 'Show Output').then((choice) => {
      if (choice) {
        output.show();
      }
    });
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      // Stops the server (shutdown, exit) and frees the client; the output channel is ours and stays.
      await running.dispose(5000);
    } catch (error) {
      output.warn(`Stopping the server: ${String(error)}`);
    }
  }
  serverState = 'stopped';
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  await stopClient();
  await startClient(context);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('Preflight', { log: true });
  status = vscode.window.createStatusBarItem('preflight.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Preflight';
  status.command = 'preflight.showOutput';
  context.subscriptions.push(output, status);

  context.subscriptions.push(
    vscode.commands.registerCommand('preflight.showOutput', () => output.show()),
    vscode.commands.registerCommand('preflight.restartServer', () => restart(context)),
    vscode.commands.registerCommand('preflight.scan', async () => {
      if (!client || !client.isRunning()) {
        void vscode.window.showWarningMessage('Preflight: the server is not running.', 'Show Output').then((c) => c && output.show());
        return;
      }
      await client.sendRequest(ExecuteCommandRequest.type, { command: SCAN_WORKSPACE, arguments: [] });
    }),
    vscode.commands.registerCommand('preflight.fixAll', async () => {
      if (!vscode.window.activeTextEditor) {
        return;
      }
      await vscode.commands.executeCommand('editor.action.sourceAction', { kind: FIX_ALL_KIND, apply: 'first' });
    }),
    vscode.languages.onDidChangeDiagnostics(() => updateStatus()),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration('preflight')) {
        return;
      }
      if (needsRestart((section) => event.affectsConfiguration(section))) {
        output.info('preflight.path changed; restarting the server');
        await restart(context);
        return;
      }
      // Everything the server reads is sent as is; no restart needed.
      const settings = currentSettings();
      updateStatus();
      if (client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, { settings: settingsPayload(settings) });
      }
    }),
    { dispose: () => void stopClient() },
  );

  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
