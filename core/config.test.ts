import { describe, expect, it } from 'vitest';
import {
  configSchema,
  isSecretShaped,
  parseConfig,
  requireSettings,
  SECRET_SETTINGS,
  type SettingName,
} from './config.ts';
import { VigieError } from './errors.ts';

function errorOf(fn: () => unknown): VigieError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VigieError) return error;
    throw error;
  }
  throw new Error('expected a VigieError');
}

describe('parseConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = parseConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.VIGIE_TIMEZONE).toBe('Europe/Paris');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('reports several bad variables in one message, each with what is expected', () => {
    const error = errorOf(() =>
      parseConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        VIGIE_TIMEZONE: 'Mars/Olympus',
        SLACK_WEBHOOK_URL: 'not a url',
        BUDGET_ANTHROPIC_USD: '-5',
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('5 problems');
    expect(error.message).toMatch(/PORT: expected a TCP port number/);
    expect(error.message).toMatch(/DATABASE_URL: expected postgres:\/\//);
    expect(error.message).toMatch(/VIGIE_TIMEZONE: expected an IANA timezone/);
    expect(error.message).toMatch(/SLACK_WEBHOOK_URL: expected a URL/);
    expect(error.message).toMatch(/BUDGET_ANTHROPIC_USD: expected a number of US dollars ≥ 0/);
  });

  it('treats empty strings as unset', () => {
    expect(parseConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});

describe('requireSettings', () => {
  it('names every missing variable and what needs it', () => {
    const config = parseConfig({ N8N_BASE_URL: 'http://127.0.0.1:5678' });
    const error = errorOf(() =>
      requireSettings(
        config,
        ['N8N_BASE_URL', 'N8N_API_KEY', 'SLACK_WEBHOOK_URL'],
        'The n8n monitor',
      ),
    );
    expect(error.message).toContain('The n8n monitor needs N8N_API_KEY, SLACK_WEBHOOK_URL');
  });

  it('returns the config when everything is set', () => {
    const config = parseConfig({ N8N_BASE_URL: 'http://127.0.0.1:5678', N8N_API_KEY: 'k' });
    expect(requireSettings(config, ['N8N_API_KEY'], 'x').N8N_API_KEY).toBe('k');
  });
});

describe('secret settings', () => {
  it('lists every setting typed as a secret, and only real settings', () => {
    const shaped = (Object.keys(configSchema.shape) as SettingName[]).filter(isSecretShaped);
    expect(shaped.length).toBeGreaterThan(5);
    expect(shaped.filter((n) => !(SECRET_SETTINGS as readonly string[]).includes(n))).toEqual([]);
    for (const name of SECRET_SETTINGS) expect(Object.keys(configSchema.shape)).toContain(name);
  });
});
