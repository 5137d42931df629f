import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/settings.js';

describe('MAX_IMPORT_BYTES', () => {
  it('defaults to 256 MiB and takes a whole number of bytes', () => {
    expect(loadSettings({}).maxImportBytes).toBe(256 * 1_048_576);
    expect(loadSettings({ MAX_IMPORT_BYTES: '4096' }).maxImportBytes).toBe(4096);
  });

  it('refuses a bad value in one line naming the variable', () => {
    for (const value of ['-1', '10MB', '12', String(2 * 1024 * 1_048_576)]) {
      expect(() => loadSettings({ MAX_IMPORT_BYTES: value })).toThrow(SettingsError);
      expect(() => loadSettings({ MAX_IMPORT_BYTES: value })).toThrow(/^Invalid setting MAX_IMPORT_BYTES: [^\n]+$/);
    }
  });
});
