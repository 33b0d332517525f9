import { html } from 'hono/html';
import type { Html } from './pages.ts';

/**
 * The privacy policy, French and English, filled from settings. It covers the GDPR Art. 13
 * items (people we collect from: the service's users) and Art. 14 items (people we collect
 * about: prospects found on LinkedIn public profiles) — see docs/providers/privacy.md,
 * "Privacy policy". Pure: settings in, escaped HTML out.
 */
export type PolicyLang = 'fr' | 'en';
export const POLICY_LANGS: readonly PolicyLang[] = ['fr', 'en'];

type Localized = Record<PolicyLang, string>;

export interface Processor {
  name: string;
  purpose: Localized;
  location: Localized;
  /** Transfer safeguard when data leaves the EEA; `null` when it stays inside. */
  transfer: Localized | null;
}

export interface PrivacyPolicySettings {
  controllerName: string;
  controllerAddress: string;
  contactEmail: string;
  /** Data protection officer contact; `undefined` when none is designated. */
  dpoContact?: string | undefined;
  processors: readonly Processor[];
  retention: {
    /** Prospects: months after the last contact. */
    prospectMonths: number;
    /** Unsubscribed or objecting prospects: erased within this many days. */
    unsubscribedDays: number;
    /** n8n keeps execution data this long before pruning (EXECUTIONS_DATA_MAX_AGE). */
    n8nExecutionDays: number;
    backupDays: number;
  };
  /** YYYY-MM-DD. */
  updatedOn: string;
}

const sccs: Localized = {
  fr: 'clauses contractuelles types de la Commission européenne (art. 46(2)(c) RGPD)',
  en: 'European Commission standard contractual clauses (GDPR Art. 46(2)(c))',
};
const eu: Localized = { fr: 'Union européenne', en: 'European Union' };

/** The app's processors, as the policy names them. Locations are the controller's to confirm. */
export function defaultProcessors(n8nHost: string): Processor[] {
  return [
    {
      name: 'Supabase',
      purpose: {
        fr: 'base de données et authentification',
        en: 'database and authentication',
      },
      location: eu,
      transfer: null,
    },
    {
      name: 'Upstash',
      purpose: { fr: "file d'attente des e-mails", en: 'email sending queue' },
      location: eu,
      transfer: null,
    },
    {
      name: n8nHost,
      purpose: {
        fr: 'automatisation des recherches et de l’enrichissement (n8n)',
        en: 'automation of searches and enrichment (n8n)',
      },
      location: eu,
      transfer: null,
    },
    {
      name: 'PhantomBuster',
      purpose: {
        fr: 'collecte de profils publics LinkedIn',
        en: 'collection of LinkedIn public profiles',
      },
      location: eu,
      transfer: null,
    },
    {
      name: 'Anthropic',
      purpose: {
        fr: 'enrichissement des profils par IA (Claude)',
        en: 'AI enrichment of profiles (Claude)',
      },
      location: { fr: 'États-Unis', en: 'United States' },
      transfer: sccs,
    },
  ];
}

const t = {
  title: { fr: 'Politique de confidentialité', en: 'Privacy policy' },
  updated: { fr: 'Dernière mise à jour :', en: 'Last updated:' },
  controller: { fr: 'Responsable du traitement', en: 'Data controller' },
  contactLine: {
    fr: 'Pour toute question ou pour exercer vos droits, écrivez à',
    en: 'For any question, or to exercise your rights, write to',
  },
  dpo: { fr: 'Délégué à la protection des données :', en: 'Data protection officer:' },
  noDpo: {
    fr: 'Aucun délégué à la protection des données n’est désigné ; l’adresse ci-dessus est le point de contact.',
    en: 'No data protection officer is designated; the address above is the point of contact.',
  },
  whoTitle: { fr: 'Qui est concerné', en: 'Whom this covers' },
  whoUsers: {
    fr: 'Les utilisateurs du service (données fournies par vous : art. 13 RGPD).',
    en: 'Users of the service (data you give us: GDPR Art. 13).',
  },
  whoProspects: {
    fr: 'Les professionnels contactés par nos clients (« prospects ») : nous ne collectons pas leurs données auprès d’eux (art. 14 RGPD). Nous les informons au plus tard lors du premier message, et en tout cas dans un délai d’un mois.',
    en: 'Professionals contacted by our customers ("prospects"): we do not collect their data from them (GDPR Art. 14). We inform them at the latest with the first message, and in any case within one month.',
  },
  purposesTitle: { fr: 'Finalités et bases légales', en: 'Purposes and legal bases' },
  purposes: [
    {
      fr: 'Fournir le service aux utilisateurs (compte, campagnes, rendez-vous) — exécution du contrat (art. 6(1)(b)).',
      en: 'Providing the service to users (account, campaigns, meetings) — performance of a contract (Art. 6(1)(b)).',
    },
    {
      fr: 'Prospection commerciale entre professionnels — intérêt légitime (art. 6(1)(f)) : développer une activité en contactant des professionnels au sujet d’offres liées à leur fonction. Vous pouvez vous y opposer à tout moment.',
      en: 'Business-to-business prospecting — legitimate interest (Art. 6(1)(f)): developing a business by contacting professionals about offers relevant to their role. You may object at any time.',
    },
    {
      fr: 'Sécurité, journal d’audit et liste d’opposition (pour ne plus jamais vous contacter après une opposition) — obligation légale et intérêt légitime (art. 6(1)(c) et (f)).',
      en: 'Security, audit trail and suppression list (so we never contact you again after an objection) — legal obligation and legitimate interest (Art. 6(1)(c) and (f)).',
    },
  ],
  categoriesTitle: { fr: 'Données traitées', en: 'Data we process' },
  categories: [
    {
      fr: 'Utilisateurs : identifiant, adresse e-mail, données de compte et d’usage.',
      en: 'Users: identifier, email address, account and usage data.',
    },
    {
      fr: 'Prospects : nom, fonction, entreprise, URL du profil LinkedIn public, adresse e-mail professionnelle, résumé généré par IA à partir du profil public, historique des messages (envoi, remise, rebond, désinscription) et rendez-vous.',
      en: 'Prospects: name, job title, company, LinkedIn public profile URL, business email address, an AI-generated summary of the public profile, message history (sent, delivered, bounced, unsubscribed) and meetings.',
    },
  ],
  sourceTitle: { fr: 'Source des données des prospects', en: 'Where prospect data comes from' },
  source: {
    fr: 'Profils publics LinkedIn, collectés via PhantomBuster (source accessible au public), puis enrichis par IA. Aucune donnée sensible n’est recherchée.',
    en: 'LinkedIn public profiles, collected through PhantomBuster (a publicly accessible source), then enriched by AI. No sensitive data is sought.',
  },
  processorsTitle: { fr: 'Destinataires et sous-traitants', en: 'Recipients and processors' },
  processorHead: {
    fr: ['Sous-traitant', 'Finalité', 'Localisation', 'Garanties de transfert'],
    en: ['Processor', 'Purpose', 'Location', 'Transfer safeguards'],
  },
  noTransfer: { fr: 'aucun transfert hors EEE', en: 'no transfer outside the EEA' },
  retentionTitle: { fr: 'Durées de conservation', en: 'How long we keep data' },
  retentionProspect: {
    fr: (n: number) => `Prospects : ${n} mois après le dernier contact.`,
    en: (n: number) => `Prospects: ${n} months after the last contact.`,
  },
  retentionUnsub: {
    fr: (n: number) =>
      `Après une désinscription ou une opposition : effacement sous ${n} jours ; seule une empreinte chiffrée (HMAC) de l’e-mail et de l’URL du profil est conservée dans la liste d’opposition, avec la date et le motif.`,
    en: (n: number) =>
      `After an unsubscribe or objection: erased within ${n} days; only a keyed hash (HMAC) of the email and profile URL is kept in the suppression list, with the date and reason.`,
  },
  retentionN8n: {
    fr: (n: number) => `Données d’exécution des automatisations : ${n} jours au plus.`,
    en: (n: number) => `Automation execution data: ${n} days at most.`,
  },
  retentionBackup: {
    fr: (n: number) =>
      `Sauvegardes : ${n} jours ; un effacement est rejoué si une sauvegarde est restaurée.`,
    en: (n: number) => `Backups: ${n} days; an erasure is replayed if a backup is restored.`,
  },
  retentionAudit: {
    fr: 'Journal d’audit : identifiants techniques uniquement, aucune donnée personnelle en clair.',
    en: 'Audit log: technical identifiers only, no personal data in clear.',
  },
  rightsTitle: { fr: 'Vos droits', en: 'Your rights' },
  rights: {
    fr: 'Vous disposez des droits d’accès (art. 15), de rectification (art. 16), d’effacement (art. 17), de limitation (art. 18), de portabilité (art. 20) et d’opposition (art. 21), y compris, sans motif, à la prospection. Lorsque le traitement repose sur votre consentement, vous pouvez le retirer à tout moment.',
    en: 'You have the rights of access (Art. 15), rectification (Art. 16), erasure (Art. 17), restriction (Art. 18), portability (Art. 20) and objection (Art. 21), including, without giving reasons, to prospecting. Where processing relies on your consent, you may withdraw it at any time.',
  },
  howTitle: { fr: 'Exercer vos droits', en: 'How to exercise them' },
  how: {
    fr: 'Écrivez à l’adresse ci-dessus, ou utilisez le lien de désinscription présent dans chaque message. Les utilisateurs peuvent aussi exporter ou effacer leurs données depuis leur compte. Nous répondons dans un délai d’un mois, prolongeable de deux mois pour les demandes complexes (art. 12(3)) ; nous vous en informons alors dans le premier mois.',
    en: 'Write to the address above, or use the unsubscribe link in every message. Users can also export or erase their data from their account. We answer within one month, which can be extended by two months for complex requests (Art. 12(3)); we then tell you so within the first month.',
  },
  automatedTitle: { fr: 'Décisions automatisées', en: 'Automated decisions' },
  automated: {
    fr: 'Aucune décision produisant des effets juridiques n’est prise de manière automatisée (art. 22). Le résumé par IA sert uniquement à personnaliser les messages.',
    en: 'No decision with legal effects is made by automated means (Art. 22). The AI summary only serves to personalise messages.',
  },
  complaintTitle: { fr: 'Réclamation', en: 'Complaints' },
  complaint: {
    fr: 'Vous pouvez introduire une réclamation auprès de la CNIL (Commission nationale de l’informatique et des libertés), 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07, ou en ligne sur son site.',
    en: 'You may lodge a complaint with the CNIL (the French data protection authority), 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07, France, or online on its website.',
  },
  cookiesTitle: { fr: 'Cookies', en: 'Cookies' },
  cookies: {
    fr: 'Nous n’utilisons qu’un cookie de session strictement nécessaire à la connexion. Aucun cookie de mesure d’audience, de publicité ou de suivi ; aucun contenu tiers n’est chargé.',
    en: 'We only use a session cookie strictly necessary for signing in. No analytics, advertising or tracking cookies; no third-party content is loaded.',
  },
} as const;

export function renderPrivacyPolicy(settings: PrivacyPolicySettings, lang: PolicyLang): Html {
  const r = settings.retention;
  const mail = html`<a href="mailto:${settings.contactEmail}">${settings.contactEmail}</a>`;
  return html`<article class="policy" lang="${lang}">
    <h1>${t.title[lang]}</h1>
    <p class="updated">
      ${t.updated[lang]} <time datetime="${settings.updatedOn}">${settings.updatedOn}</time>
    </p>
    <section>
      <h2>${t.controller[lang]}</h2>
      <p>${settings.controllerName}, ${settings.controllerAddress}.</p>
      <p>${t.contactLine[lang]} ${mail}.</p>
      <p>
        ${settings.dpoContact === undefined ? t.noDpo[lang] : html`${t.dpo[lang]} ${settings.dpoContact}`}
      </p>
    </section>
    <section>
      <h2>${t.whoTitle[lang]}</h2>
      <ul>
        <li>${t.whoUsers[lang]}</li>
        <li>${t.whoProspects[lang]}</li>
      </ul>
    </section>
    <section>
      <h2>${t.purposesTitle[lang]}</h2>
      <ul>
        ${t.purposes.map((p) => html`<li>${p[lang]}</li>`)}
      </ul>
    </section>
    <section>
      <h2>${t.categoriesTitle[lang]}</h2>
      <ul>
        ${t.categories.map((p) => html`<li>${p[lang]}</li>`)}
      </ul>
    </section>
    <section id="source">
      <h2>${t.sourceTitle[lang]}</h2>
      <p>${t.source[lang]}</p>
    </section>
    <section id="processors">
      <h2>${t.processorsTitle[lang]}</h2>
      <table>
        <thead>
          <tr>
            ${t.processorHead[lang].map((h) => html`<th scope="col">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${settings.processors.map(
            (p) =>
              html`<tr>
                <th scope="row">${p.name}</th>
                <td>${p.purpose[lang]}</td>
                <td>${p.location[lang]}</td>
                <td>${p.transfer === null ? t.noTransfer[lang] : p.transfer[lang]}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section id="retention">
      <h2>${t.retentionTitle[lang]}</h2>
      <ul>
        <li>${t.retentionProspect[lang](r.prospectMonths)}</li>
        <li>${t.retentionUnsub[lang](r.unsubscribedDays)}</li>
        <li>${t.retentionN8n[lang](r.n8nExecutionDays)}</li>
        <li>${t.retentionBackup[lang](r.backupDays)}</li>
        <li>${t.retentionAudit[lang]}</li>
      </ul>
    </section>
    <section id="rights">
      <h2>${t.rightsTitle[lang]}</h2>
      <p>${t.rights[lang]}</p>
      <h3>${t.howTitle[lang]}</h3>
      <p>${t.how[lang]}</p>
    </section>
    <section>
      <h2>${t.automatedTitle[lang]}</h2>
      <p>${t.automated[lang]}</p>
    </section>
    <section id="complaint">
      <h2>${t.complaintTitle[lang]}</h2>
      <p>${t.complaint[lang]}</p>
    </section>
    <section id="cookies">
      <h2>${t.cookiesTitle[lang]}</h2>
      <p>${t.cookies[lang]}</p>
    </section>
  </article>`;
}
