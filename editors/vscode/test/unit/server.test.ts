import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundledServerPath, expandConfiguredPath, resolveServer, type ResolveInput } from '../../src/server';

/** A machine where exactly `files` are executable. */
function input(files: string[], overrides: Partial<ResolveInput> = {}): ResolveInput {
  const executable = new Set(files);
  return {
    configuredPath: '',
    extensionPath: '/ext',
    workspaceFolder: '/home/ana/shop',
    platform: 'linux',
    arch: 'x64',
    envPath: '/usr/local/bin:/usr/bin',
    homeDir: '/home/ana',
    isExecutable: (file) => executable.has(file),
    ...overrides,
  };
}

describe('resolveServer', () => {
  it('uses preflight.path first, even when a bundled binary and one on PATH exist', () => {
    const result = resolveServer(
      input(['/opt/preflight/bin/preflight', '/ext/server/linux-x64/preflight', '/usr/bin/preflight'], {
        configuredPath: '/opt/preflight/bin/preflight',
      }),
    );
    assert.deepEqual(result, { ok: true, command: '/opt/preflight/bin/preflight', source: 'setting' });
  });

  it('expands ~ and ${workspaceFolder} in preflight.path', () => {
    assert.deepEqual(resolveServer(input(['/home/ana/.cargo/bin/preflight'], { configuredPath: '~/.cargo/bin/preflight' })), {
      ok: true,
      command: '/home/ana/.cargo/bin/preflight',
      source: 'setting',
    });
    assert.deepEqual(
      resolveServer(input(['/home/ana/shop/target/debug/preflight'], { configuredPath: '${workspaceFolder}/target/debug/preflight' })),
      { ok: true, command: '/home/ana/shop/target/debug/preflight', source: 'setting' },
    );
  });

  it('takes a relative preflight.path from the workspace folder and a bare name from PATH', () => {
    assert.deepEqual(resolveServer(input(['/home/ana/shop/bin/preflight'], { configuredPath: 'bin/preflight' })), {
      ok: true,
      command: '/home/ana/shop/bin/preflight',
      source: 'setting',
    });
    assert.deepEqual(resolveServer(input(['/usr/bin/preflight-nightly'], { configuredPath: 'preflight-nightly' })), {
      ok: true,
      command: '/usr/bin/preflight-nightly',
      source: 'setting',
    });
  });

  it('reports a preflight.path that names nothing, without falling back', () => {
    const result = resolveServer(input(['/usr/bin/preflight'], { configuredPath: '/nowhere/preflight' }));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /preflight\.path names "\/nowhere\/preflight"/);
  });

  it('uses the bundled binary for this platform before PATH', () => {
    const result = resolveServer(input(['/ext/server/linux-x64/preflight', '/usr/bin/preflight']));
    assert.deepEqual(result, { ok: true, command: '/ext/server/linux-x64/preflight', source: 'bundled' });
  });

  it('ignores a binary bundled for another platform', () => {
    const result = resolveServer(input(['/ext/server/linux-arm64/preflight', '/usr/bin/preflight']));
    assert.deepEqual(result, { ok: true, command: '/usr/bin/preflight', source: 'path' });
  });

  it('takes the first PATH entry that has preflight', () => {
    const result = resolveServer(input(['/usr/local/bin/preflight', '/usr/bin/preflight']));
    assert.deepEqual(result, { ok: true, command: '/usr/local/bin/preflight', source: 'path' });
  });

  it('explains how to fix it when nothing is found', () => {
    const result = resolveServer(input([]));
    assert.equal(result.ok, false);
    const message = !result.ok ? result.message : '';
    assert.match(message, /no binary is bundled for linux-x64/);
    assert.match(message, /preflight\.path/);
    assert.match(message, /PATH/);
  });

  it('knows Windows names and separators', () => {
    const result = resolveServer(
      input(['C:\\tools\\preflight.exe'], { platform: 'win32', envPath: 'C:\\Windows;C:\\tools', extensionPath: 'C:\\ext' }),
    );
    assert.deepEqual(result, { ok: true, command: 'C:\\tools\\preflight.exe', source: 'path' });
    assert.equal(bundledServerPath('C:\\ext', 'win32', 'x64'), 'C:\\ext\\server\\win32-x64\\preflight.exe');
  });
});

describe('expandConfiguredPath', () => {
  it('leaves absolute paths alone', () => {
    assert.equal(expandConfiguredPath('/usr/bin/preflight', '/home/ana', '/w'), '/usr/bin/preflight');
  });
  it('expands a lone ~', () => {
    assert.equal(expandConfiguredPath('~', '/home/ana'), '/home/ana');
  });
});
