import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A bad setting. Its message is one line naming the variable, fit to print as is. */
export class SettingsError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid setting ${variable}: ${problem}`);
    this.name = 'SettingsError';
  }
}

export type Env = Record<string, string | undefined>;

export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new SettingsError(name, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new SettingsError(name, `expected true or false, got ${JSON.stringify(env[name])}`);
}

/** The text of the file a setting names, relative to `cwd`; a one-line settings error when it cannot be read. */
export function readSettingFile(variable: string, file: string, cwd: string): string {
  try {
    return readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new SettingsError(variable, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
