// Where the `preflight` executable comes from. Pure: the file system and the environment are
// passed in, so the rules can be tested without VS Code.

import * as path from 'node:path';

/** How the executable was found, for the output log and error messages. */
export type ServerSource = 'setting' | 'bundled' | 'path';

export type Resolution =
  | { ok: true; command: string; source: ServerSource }
  | { ok: false; message: string };

export interface ResolveInput {
  /** The `preflight.path` setting, as the user wrote it (may be empty). */
  configuredPath: string;
  /** The extension's install folder, which may hold `server/<platform>-<arch>/preflight`. */
  extensionPath: string;
  /** The first workspace folder, for `${workspaceFolder}` and relative settings. */
  workspaceFolder?: string;
  platform: NodeJS.Platform;
  arch: string;
  /** The `PATH` environment variable. */
  envPath: string;
  homeDir: string;
  /** Whether a file exists there and can be executed. */
  isExecutable: (file: string) => boolean;
}

function executableName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'preflight.exe' : 'preflight';
}

/** Where a binary shipped inside the extension lives: `server/linux-x64/preflight`, … */
export function bundledServerPath(extensionPath: string, platform: NodeJS.Platform, arch: string): string {
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  return join(extensionPath, 'server', `${platform}-${arch}`, executableName(platform));
}

/** Expands `~` and `${workspaceFolder}`; relative paths are taken from the workspace folder. */
export function expandConfiguredPath(raw: string, homeDir: string, workspaceFolder?: string, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  let value = raw.trim();
  if (value === '~') {
    value = homeDir;
  } else if (value.startsWith('~/') || value.startsWith('~\\')) {
    value = p.join(homeDir, value.slice(2));
  }
  if (workspaceFolder !== undefined) {
    value = value.split('${workspaceFolder}').join(workspaceFolder);
  }
  if (!p.isAbsolute(value) && workspaceFolder !== undefined && /[\\/]/.test(value)) {
    value = p.join(workspaceFolder, value);
  }
  return value;
}

/** The first `preflight` executable on `PATH`, if any. */
export function findOnPath(envPath: string, platform: NodeJS.Platform, isExecutable: (file: string) => boolean): string | undefined {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const separator = platform === 'win32' ? ';' : ':';
  for (const dir of envPath.split(separator)) {
    if (dir === '') {
      continue;
    }
    const candidate = p.join(dir, executableName(platform));
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * `preflight.path` when set (and then nothing else: a wrong setting is reported, not papered
 * over), else the binary bundled for this platform, else `preflight` on `PATH`.
 */
export function resolveServer(input: ResolveInput): Resolution {
  const configured = input.configuredPath.trim();
  if (configured !== '') {
    const p = input.platform === 'win32' ? path.win32 : path.posix;
    const expanded = expandConfiguredPath(configured, input.homeDir, input.workspaceFolder, input.platform);
    if (!p.isAbsolute(expanded)) {
      // A bare name such as `preflight-nightly`: look it up on PATH like a shell would.
      const separator = input.platform === 'win32' ? ';' : ':';
      for (const dir of input.envPath.split(separator).filter((d) => d !== '')) {
        const candidate = p.join(dir, expanded);
        if (input.isExecutable(candidate)) {
          return { ok: true, command: candidate, source: 'setting' };
        }
      }
    } else if (input.isExecutable(expanded)) {
      return { ok: true, command: expanded, source: 'setting' };
    }
    return {
      ok: false,
      message:
        `The setting preflight.path names "${configured}", but no executable file is there. ` +
        'Point it at the preflight binary, or clear it to use the bundled one or the one on PATH.',
    };
  }
  const bundled = bundledServerPath(input.extensionPath, input.platform, input.arch);
  if (input.isExecutable(bundled)) {
    return { ok: true, command: bundled, source: 'bundled' };
  }
  const onPath = findOnPath(input.envPath, input.platform, input.isExecutable);
  if (onPath !== undefined) {
    return { ok: true, command: onPath, source: 'path' };
  }
  return {
    ok: false,
    message:
      `Cannot find the preflight language server: no binary is bundled for ${input.platform}-${input.arch} ` +
      'and there is no preflight on PATH. Install it (cargo install --path server, from the Preflight ' +
      'repository) and put it on PATH, or set preflight.path to the binary.',
  };
}
