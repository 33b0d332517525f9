import { html, raw } from 'hono/html';
import type { Html } from './pages.ts';
import type { PolicyLang } from './privacy-policy.ts';

/**
 * A minimal cookie notice. The app sets only a strictly necessary session cookie, which needs
 * no consent (EDPB cookie banner taskforce, docs/providers/privacy.md), so this
 * informs rather than asks: no accept/reject, no tracking, nothing loaded from elsewhere.
 * Dismissal is kept in first-party `localStorage` (not a cookie). Accessible: a labelled
 * region, a real button, Escape also dismisses, focus is not trapped.
 */
export const DISMISS_KEY = 'vigie.cookie-notice.dismissed';

const text = {
  label: { fr: 'Information sur les cookies', en: 'Cookie notice' },
  body: {
    fr: 'Ce site n’utilise qu’un cookie de session, nécessaire à la connexion. Aucun suivi, aucune publicité.',
    en: 'This site only uses a session cookie needed to sign in. No tracking, no advertising.',
  },
  more: { fr: 'En savoir plus', en: 'Learn more' },
  ok: { fr: 'J’ai compris', en: 'Got it' },
} as const;

export function renderCookieBanner(options: {
  lang: PolicyLang;
  nonce: string;
  policyHref: string;
}): Html {
  const { lang, nonce } = options;
  return html`<style nonce="${nonce}">
      .cookie-notice {
        position: fixed;
        inset: auto 1rem 1rem 1rem;
        max-width: 40rem;
        margin: auto;
        padding: 1rem 1.25rem;
        background: #fff;
        color: #1a1a1a;
        border: 2px solid #1a1a1a;
        border-radius: 0.5rem;
        display: flex;
        gap: 1rem;
        align-items: center;
        flex-wrap: wrap;
        font:
          1rem/1.4 system-ui,
          sans-serif;
        box-shadow: 0 2px 8px rgba(0, 0, 0, 0.2);
      }
      .cookie-notice[hidden] {
        display: none;
      }
      .cookie-notice p {
        margin: 0;
        flex: 1 1 20rem;
      }
      .cookie-notice a {
        color: #0b4f9c;
      }
      .cookie-notice button {
        font: inherit;
        padding: 0.5rem 1rem;
        border: 2px solid #0b4f9c;
        border-radius: 0.25rem;
        background: #0b4f9c;
        color: #fff;
        cursor: pointer;
      }
      .cookie-notice button:focus-visible,
      .cookie-notice a:focus-visible {
        outline: 3px solid #f2a900;
        outline-offset: 2px;
      }
    </style>
    <section
      class="cookie-notice"
      id="cookie-notice"
      role="region"
      aria-label="${text.label[lang]}"
    >
      <p>${text.body[lang]} <a href="${options.policyHref}#cookies">${text.more[lang]}</a></p>
      <button type="button" id="cookie-notice-dismiss">${text.ok[lang]}</button>
    </section>
    <script nonce="${nonce}">
      (() => {
        const key = ${raw(JSON.stringify(DISMISS_KEY))};
        const notice = document.getElementById('cookie-notice');
        const read = () => {
          try {
            return localStorage.getItem(key) === '1';
          } catch {
            return false;
          }
        };
        if (read()) {
          notice.hidden = true;
          return;
        }
        const dismiss = () => {
          try {
            localStorage.setItem(key, '1');
          } catch {}
          notice.hidden = true;
          // The focused button just vanished: hand focus to the page, not to nowhere.
          document.querySelector('main')?.focus();
        };
        document.getElementById('cookie-notice-dismiss').addEventListener('click', dismiss);
        notice.addEventListener('keydown', (e) => {
          if (e.key === 'Escape') dismiss();
        });
      })();
    </script>`;
}
