import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsRestart, serverSettings, settingsPayload } from '../../src/settings';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

describe('serverSettings', () => {
  it('gives the server defaults when nothing is set', () => {
    const { settings, problems } = serverSettings(reader({}));
    assert.deepEqual(settings, { enable: true, configPath: null, scanWorkspaceOnStartup: true, rules: {} });
    assert.deepEqual(problems, []);
  });

  it('passes every setting the server reads, under the key `preflight`', () => {
    const { settings } = serverSettings(
      reader({
        enable: false,
        configPath: ' ci/preflight.toml ',
        scanWorkspaceOnStartup: false,
        rules: { 'todo-comment': 'off', 'debug-print': 'error' },
        path: '/usr/bin/preflight',
        trace: { server: 'verbose' },
      }),
    );
    assert.deepEqual(settingsPayload(settings), {
      preflight: {
        enable: false,
        configPath: 'ci/preflight.toml',
        scanWorkspaceOnStartup: false,
        rules: { 'todo-comment': 'off', 'debug-print': 'error' },
      },
    });
  });

  it('drops unknown severities and says why', () => {
    const { settings, problems } = serverSettings(reader({ rules: { 'debug-print': 'loud', 'cors-wildcard': 'hint' } }));
    assert.deepEqual(settings.rules, { 'cors-wildcard': 'hint' });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /"debug-print" has severity "loud"/);
  });

  it('keeps defaults for values of the wrong type', () => {
    const { settings, problems } = serverSettings(reader({ enable: 'no', rules: ['debug-print'], configPath: 3 }));
    assert.equal(settings.enable, true);
    assert.deepEqual(settings.rules, {});
    assert.equal(settings.configPath, null);
    assert.equal(problems.length, 2);
  });
});

describe('needsRestart', () => {
  it('restarts only for the executable path', () => {
    assert.equal(needsRestart((s) => s === 'preflight.path'), true);
    assert.equal(needsRestart((s) => s === 'preflight.rules'), false);
    assert.equal(needsRestart((s) => s === 'preflight.trace.server'), false);
  });
});
