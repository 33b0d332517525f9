import { renderCookieBanner } from './cookie-banner.ts';
import { html } from 'hono/html';
import {
  type PolicyLang,
  type PrivacyPolicySettings,
  renderPrivacyPolicy,
} from './privacy-policy.ts';

/**
 * Whole pages: layout with the cookie notice and a footer link to the policy. Rendered with
 * `hono/html`, which escapes every interpolated value (settings such as the controller name
 * can never inject markup); `raw` only for our own constants. Styles and scripts are inline
 * and carry the per-response nonce of the Content-Security-Policy that `hono/secure-headers`
 * sets (`api/routes/web.ts`), which forbids everything else: that is what keeps pages free of
 * third parties.
 */
export const POLICY_PATH = '/privacy';

/** What `hono/html` renders: a string marked escaped, or its promise when a part is async. */
export type Html = ReturnType<typeof html>;

const footerText = {
  privacy: { fr: 'Politique de confidentialité', en: 'Privacy policy' },
  other: { fr: 'English', en: 'Français' },
} as const;

function layout(options: { lang: PolicyLang; nonce: string; title: string; main: Html }): Html {
  const { lang, nonce } = options;
  const other: PolicyLang = lang === 'fr' ? 'en' : 'fr';
  return html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${options.title}</title>
        <style nonce="${nonce}">
          body {
            margin: 0;
            font:
              1rem/1.5 system-ui,
              sans-serif;
            color: #1a1a1a;
            background: #fafafa;
          }
          main {
            max-width: 48rem;
            margin: 0 auto;
            padding: 1.5rem 1rem 8rem;
          }
          main:focus {
            outline: none;
          }
          table {
            border-collapse: collapse;
            width: 100%;
          }
          th,
          td {
            border: 1px solid #bbb;
            padding: 0.35rem 0.5rem;
            text-align: left;
            vertical-align: top;
          }
          footer {
            border-top: 1px solid #ccc;
            padding: 1rem;
            text-align: center;
          }
          footer a {
            color: #0b4f9c;
            margin: 0 0.5rem;
          }
        </style>
      </head>
      <body>
        <main id="main" tabindex="-1">${options.main}</main>
        <footer>
          <a href="${POLICY_PATH}?lang=${lang}" id="footer-privacy">${footerText.privacy[lang]}</a>
          <a href="?lang=${other}" hreflang="${other}" lang="${other}">${footerText.other[lang]}</a>
        </footer>
        ${renderCookieBanner({ lang, nonce, policyHref: `${POLICY_PATH}?lang=${lang}` })}
      </body>
    </html>`;
}

export function privacyPolicyPage(
  settings: PrivacyPolicySettings,
  lang: PolicyLang,
  nonce: string,
): Html {
  return layout({
    lang,
    nonce,
    title: `${lang === 'fr' ? 'Politique de confidentialité' : 'Privacy policy'} — ${settings.controllerName}`,
    main: renderPrivacyPolicy(settings, lang),
  });
}

const demo = {
  title: { fr: 'Vigie — page de démonstration', en: 'Vigie — demo page' },
  body: {
    fr: 'Cette page montre l’information sur les cookies et le lien vers la politique de confidentialité, tels que l’application les affiche.',
    en: 'This page shows the cookie notice and the privacy policy link as the app displays them.',
  },
} as const;

export function demoPage(settings: PrivacyPolicySettings, lang: PolicyLang, nonce: string): Html {
  return layout({
    lang,
    nonce,
    title: demo.title[lang],
    main: html`<h1>${settings.controllerName}</h1>
      <p>${demo.body[lang]}</p>`,
  });
}
