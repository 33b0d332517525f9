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
  it('applies defaults for an environment that names only its stage', () => {
    const config = parseConfig({ VIGIE_STAGE: 'staging' });
    expect(config.VIGIE_STAGE).toBe('staging');
    expect(config.PORT).toBe(8080);
    expect(config.VIGIE_TIMEZONE).toBe('Europe/Paris');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('reports several bad variables in one message, each with what is expected', () => {
    const error = errorOf(() =>
      parseConfig({
        VIGIE_STAGE: 'local',
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
    expect(parseConfig({ VIGIE_STAGE: 'local', DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('has no default stage: a deployed function without VIGIE_STAGE fails, naming it', () => {
    for (const env of [{}, { VIGIE_STAGE: '' }, { DATABASE_URL: 'postgres://u@h:5432/d' }]) {
      const error = errorOf(() => parseConfig(env));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(/VIGIE_STAGE: .*local, staging, prod.* \(not set\)/);
      expect(error.details).toEqual({ variables: ['VIGIE_STAGE'] });
    }
    expect(errorOf(() => parseConfig({ VIGIE_STAGE: 'production' })).message).toMatch(
      /VIGIE_STAGE: expected one of local, staging, prod/,
    );
  });
});

describe('requireSettings', () => {
  it('names every missing variable and what needs it', () => {
    const config = parseConfig({ VIGIE_STAGE: 'local', N8N_BASE_URL: 'http://127.0.0.1:5678' });
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
    const config = parseConfig({
      VIGIE_STAGE: 'local',
      N8N_BASE_URL: 'http://127.0.0.1:5678',
      N8N_API_KEY: 'k',
    });
    expect(requireSettings(config, ['N8N_API_KEY'], 'x').N8N_API_KEY).toBe('k');
  });
});

describe('key settings', () => {
  it('takes keyrings per purpose and says what to do with the old single key', () => {
    const ok = parseConfig({
      VIGIE_STAGE: 'prod',
      SUPPRESSION_HMAC_KEYS: `k2:${'a'.repeat(32)},k1:${'b'.repeat(32)}`,
      SUBJECT_SEAL_KEYS: `s1:${'c'.repeat(32)}`,
    });
    expect(ok.SUPPRESSION_HMAC_KEYS).toMatch(/^k2:/);
    const error = errorOf(() =>
      parseConfig({
        VIGIE_STAGE: 'prod',
        SUPPRESSION_HMAC_KEY: 'x'.repeat(40),
        SUBJECT_SEAL_KEYS: 'no-id-here',
      }),
    );
    expect(error.message).toMatch(/SUPPRESSION_HMAC_KEY: replaced: set SUPPRESSION_HMAC_KEYS=k1:/);
    expect(error.message).toMatch(/SUBJECT_SEAL_KEYS: key 1 has no valid id/);
    expect(error.message).not.toContain('x'.repeat(40));
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
