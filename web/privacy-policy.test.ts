import { describe, expect, it } from 'vitest';
import { privacyPolicyPage } from './pages.ts';
import {
  type PrivacyPolicySettings,
  defaultProcessors,
  renderPrivacyPolicy,
} from './privacy-policy.ts';

const settings: PrivacyPolicySettings = {
  controllerName: 'Acme <script>alert(1)</script> & Co',
  controllerAddress: '2 rue "Test", Lyon',
  contactEmail: 'dpo@acme.test',
  dpoContact: undefined,
  processors: defaultProcessors('n8n on Acme VPS'),
  retention: { prospectMonths: 24, unsubscribedDays: 30, n8nExecutionDays: 14, backupDays: 7 },
  updatedOn: '2026-11-26',
};

describe('privacy policy template', () => {
  it('escapes every setting (hono/html)', async () => {
    const out = String(await renderPrivacyPolicy(settings, 'en'));
    expect(out).not.toContain('<script>alert(1)</script>');
    expect(out).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(out).toContain('2 rue &quot;Test&quot;, Lyon');
    // In the whole page too: the title and the policy both carry the controller name.
    const page = String(await privacyPolicyPage(settings, 'en', 'n0nce'));
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('<title>Privacy policy — Acme &lt;script&gt;');
  });

  it.each(['fr', 'en'] as const)('covers the Art. 13/14 items in %s', async (lang) => {
    const out = String(await renderPrivacyPolicy(settings, lang));
    const expected = {
      fr: [
        'LinkedIn',
        'intérêt légitime',
        'CNIL',
        '24 mois',
        '30 jours',
        '14 jours',
        '7 jours',
        'art. 21',
        'art. 15',
        'd’un mois',
        'Aucun délégué',
      ],
      en: [
        'LinkedIn',
        'legitimate interest',
        'CNIL',
        '24 months',
        '30 days',
        '14 days',
        '7 days',
        'Art. 21',
        'Art. 15',
        'one month',
        'No data protection officer',
      ],
    }[lang];
    for (const phrase of expected) expect(out).toContain(phrase);
    expect(out).toContain('mailto:dpo@acme.test');
    for (const name of ['Supabase', 'Upstash', 'n8n on Acme VPS', 'PhantomBuster', 'Anthropic']) {
      expect(out).toContain(`<th scope="row">${name}</th>`);
    }
    // The one transfer outside the EEA names its safeguard.
    expect(out).toMatch(/Anthropic<\/th>.*?(contractual clauses|contractuelles types)/s);
  });

  it('names the DPO when one is designated', async () => {
    const out = String(
      await renderPrivacyPolicy({ ...settings, dpoContact: 'Jeanne, dpo@acme.test' }, 'fr'),
    );
    expect(out).toContain('Délégué à la protection des données : Jeanne, dpo@acme.test');
    expect(out).not.toContain('Aucun délégué');
  });

  it('puts the nonce on every inline style and script', async () => {
    const page = String(await privacyPolicyPage(settings, 'en', 'n0nce'));
    const tags = page.match(/<(script|style)\b[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThanOrEqual(3);
    for (const tag of tags) expect(tag).toContain('nonce="n0nce"');
    expect(page).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  });
});
