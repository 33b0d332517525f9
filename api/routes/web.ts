import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { type Html, demoPage, privacyPolicyPage } from '../../web/pages.ts';
import {
  POLICY_LANGS,
  type PolicyLang,
  type PrivacyPolicySettings,
  defaultProcessors,
} from '../../web/privacy-policy.ts';

/** The strictly necessary session cookie the demo sets, standing in for the app's auth cookie. */
export const SESSION_COOKIE = 'vigie_session';

/** n8n's default `EXECUTIONS_DATA_MAX_AGE` is 336 h (docs/providers/n8n.md). */
const N8N_EXECUTION_DAYS = 14;
/** Unsubscribed prospects are purged after 30 days (issue 3, retention-purge). */
const UNSUBSCRIBED_DAYS = 30;

export function policySettingsFromConfig(config: Config): PrivacyPolicySettings {
  return {
    controllerName: config.PRIVACY_CONTROLLER_NAME,
    controllerAddress: config.PRIVACY_CONTROLLER_ADDRESS,
    contactEmail: config.PRIVACY_CONTACT_EMAIL,
    dpoContact: config.PRIVACY_DPO_CONTACT,
    processors: defaultProcessors(config.PRIVACY_N8N_HOST),
    retention: {
      prospectMonths: config.PRIVACY_PROSPECT_RETENTION_MONTHS,
      unsubscribedDays: UNSUBSCRIBED_DAYS,
      n8nExecutionDays: N8N_EXECUTION_DAYS,
      backupDays: config.PRIVACY_BACKUP_RETENTION_DAYS,
    },
    updatedOn: config.PRIVACY_POLICY_DATE,
  };
}

/**
 * The pages' security headers (`hono/secure-headers`): a CSP that allows only inline styles and
 * scripts carrying this response's nonce, and nothing from elsewhere; no framing, no referrer,
 * no MIME sniffing, plus the library's other defaults (HSTS, COOP, CORP…). Per page route, not
 * app-wide: the JSON API keeps its own headers.
 */
export const pageSecurityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: [NONCE],
    scriptSrc: [NONCE],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
});

type PageEnv = { Variables: { secureHeadersNonce?: string } };

/** `GET /privacy` (public: the only page without a token) and the demo page `GET /`. */
export function webRoutes(deps: { config: Config }): Hono {
  const settings = policySettingsFromConfig(deps.config);
  const app = new Hono<PageEnv>();

  app.get('/privacy', pageSecurityHeaders, (c) => {
    const lang = pickLanguage(c);
    return page(c, lang, (nonce) => privacyPolicyPage(settings, lang, nonce));
  });

  app.get('/', pageSecurityHeaders, (c) => {
    const lang = pickLanguage(c);
    if (getCookie(c, SESSION_COOKIE) === undefined) {
      // A session cookie (no Expires/Max-Age), first-party, not readable by scripts.
      setCookie(c, SESSION_COOKIE, randomBytes(16).toString('base64url'), {
        path: '/',
        httpOnly: true,
        sameSite: 'Lax',
      });
    }
    return page(c, lang, (nonce) => demoPage(settings, lang, nonce));
  });

  return app as unknown as Hono;
}

function page(
  c: Context<PageEnv>,
  lang: PolicyLang,
  render: (nonce: string) => Html,
): Response | Promise<Response> {
  // Set by `NONCE` in the CSP above: one per response, shared by style-src and script-src.
  const nonce = c.get('secureHeadersNonce');
  if (nonce === undefined) throw new Error('page() needs pageSecurityHeaders before it');
  c.header('Content-Language', lang);
  c.header('Cache-Control', 'no-store');
  c.header('Vary', 'Accept-Language');
  return c.html(render(nonce));
}

/** `?lang=fr|en` wins; then the best of fr/en in Accept-Language; French by default. */
export function pickLanguage(c: Context): PolicyLang {
  const asked = c.req.query('lang');
  if (asked !== undefined) {
    if ((POLICY_LANGS as readonly string[]).includes(asked)) return asked as PolicyLang;
    throw new VigieError('BAD_REQUEST', `lang must be one of ${POLICY_LANGS.join(', ')}.`);
  }
  return fromAcceptLanguage(c.req.header('Accept-Language')) ?? 'fr';
}

export function fromAcceptLanguage(header: string | undefined): PolicyLang | undefined {
  if (header === undefined) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return {
        base: tag.toLowerCase().split('-')[0] ?? '',
        q: q === undefined ? 1 : Number(q),
        index,
      };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked
    .map((l) => l.base)
    .find((b): b is PolicyLang => (POLICY_LANGS as readonly string[]).includes(b));
}
