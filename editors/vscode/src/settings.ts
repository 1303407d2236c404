// VS Code settings → what the server reads under the `preflight` key, both as
// `initializationOptions` and in `workspace/didChangeConfiguration`. Pure, for testing.

export const SEVERITIES = ['off', 'hint', 'info', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface ServerSettings {
  enable: boolean;
  configPath: string | null;
  scanWorkspaceOnStartup: boolean;
  rules: Record<string, Severity>;
}

/** Reads one setting under `preflight.`; `undefined` when unset. */
export type SettingReader = (key: string) => unknown;

export interface Conversion {
  settings: ServerSettings;
  /** Values that were ignored, said in words for the output log. */
  problems: string[];
}

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export function serverSettings(read: SettingReader): Conversion {
  const problems: string[] = [];
  const bool = (key: string, fallback: boolean): boolean => {
    const value = read(key);
    if (value === undefined || value === null) {
      return fallback;
    }
    if (typeof value !== 'boolean') {
      problems.push(`preflight.${key} should be true or false, not ${JSON.stringify(value)}; using ${fallback}`);
      return fallback;
    }
    return value;
  };

  const rules: Record<string, Severity> = {};
  const rawRules = read('rules');
  if (rawRules !== undefined && rawRules !== null) {
    if (typeof rawRules !== 'object' || Array.isArray(rawRules)) {
      problems.push('preflight.rules should be an object of rule id → severity; ignored');
    } else {
      for (const [id, level] of Object.entries(rawRules as Record<string, unknown>)) {
        if (isSeverity(level)) {
          rules[id] = level;
        } else {
          problems.push(
            `preflight.rules: "${id}" has severity ${JSON.stringify(level)}; expected one of ${SEVERITIES.join(', ')}; ignored`,
          );
        }
      }
    }
  }

  const rawConfig = read('configPath');
  const configPath = typeof rawConfig === 'string' && rawConfig.trim() !== '' ? rawConfig.trim() : null;

  return {
    settings: {
      enable: bool('enable', true),
      configPath,
      scanWorkspaceOnStartup: bool('scanWorkspaceOnStartup', true),
      rules,
    },
    problems,
  };
}

/** The payload of `initializationOptions` and `didChangeConfiguration`'s `settings`. */
export function settingsPayload(settings: ServerSettings): { preflight: ServerSettings } {
  return { preflight: settings };
}

/** Settings that only the client reads: changing them means starting the server anew. */
export function needsRestart(changed: (section: string) => boolean): boolean {
  return changed('preflight.path');
}
