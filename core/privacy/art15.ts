/**
 * The Art. 15(1) context every export carries, as data: why the data is processed, who
 * processes it for us (Art. 15(1)(c), Art. 28 processors), how long it is kept, where scraped
 * data comes from (Art. 15(1)(g), Art. 14(2)(f)) and which rights the person has. Kept here,
 * not in the export code, so every export carries the same statement and tests can check it.
 */

export const EXPORT_SCHEMA_VERSION = 'vigie.export/1';

export interface Processor {
  name: string;
  role: string;
  purpose: string;
  data: readonly string[];
  location: string;
  retention: string;
}

export interface Art15Context {
  controller_role: string;
  purposes: ReadonlyArray<{ purpose: string; lawful_basis: string; data: readonly string[] }>;
  processors: readonly Processor[];
  retention: ReadonlyArray<{ data: string; period: string }>;
  sources: ReadonlyArray<{ data: string; source: string }>;
  automated_decision_making: string;
  rights: ReadonlyArray<{ right: string; article: string; how: string }>;
}

export const art15Context: Art15Context = {
  controller_role:
    'You (the customer) are the controller of your prospects’ data; the service processes it on your behalf. For your own account data the service is the controller.',
  purposes: [
    {
      purpose: 'Provide the prospecting service: store prospects, run campaigns, book meetings',
      lawful_basis: 'Art. 6(1)(b) contract (account data)',
      data: ['profile', 'campaigns', 'sending_domains', 'calendar_connections', 'meetings'],
    },
    {
      purpose: 'B2B prospecting of professional contacts',
      lawful_basis:
        'Art. 6(1)(f) legitimate interest, or Art. 6(1)(a) consent where recorded (see each prospect’s lawful_basis)',
      data: ['prospects', 'campaign_prospects', 'email_events'],
    },
    {
      purpose: 'Security, accountability and proof of compliance (audit trail, erasure requests)',
      lawful_basis: 'Art. 6(1)(c) legal obligation (Art. 5(2), Art. 30) and Art. 6(1)(f)',
      data: ['audit_log', 'erasure_requests'],
    },
  ],
  processors: [
    {
      name: 'Supabase',
      role: 'database and authentication hosting',
      purpose: 'Stores every table in this export; signs in users',
      data: ['all sections of this export'],
      location: 'EU region of the project',
      retention: 'As long as the account exists; backups roll over within their retention window',
    },
    {
      name: 'Upstash',
      role: 'Redis queue and cache',
      purpose: 'Queues outgoing emails and caches enrichment results',
      data: ['email jobs (recipient, message)', 'enrichment cache'],
      location: 'EU region of the database',
      retention: 'Email jobs until sent; enrichment cache 30 days (key expiry)',
    },
    {
      name: 'n8n (workflow host)',
      role: 'workflow automation',
      purpose: 'Runs the scrape-and-enrich workflows',
      data: ['prospect ids and the profile data a workflow execution handles'],
      location: 'The workflow host’s region',
      retention: 'Execution data pruned after 14 days (EXECUTIONS_DATA_MAX_AGE 336 h)',
    },
    {
      name: 'PhantomBuster',
      role: 'collection of public professional profiles',
      purpose: 'Retrieves public LinkedIn profile data of prospects you target',
      data: ['name', 'headline', 'company', 'title', 'location', 'LinkedIn URL'],
      location: 'EU (France)',
      retention: 'Per PhantomBuster’s result retention; results are copied into prospects',
    },
    {
      name: 'Anthropic',
      role: 'AI enrichment (Claude API)',
      purpose: 'Summarises public professional profiles to personalise outreach',
      data: ['public profile fields of a prospect'],
      location: 'United States (Standard Contractual Clauses)',
      retention:
        'API inputs and outputs are not used for training; kept per Anthropic’s API retention',
    },
  ],
  retention: [
    { data: 'prospects', period: 'Until deleted by you or erased on request' },
    {
      data: 'unsubscribed or objecting prospects',
      period:
        'Erased 30 days after the unsubscribe or objection; a keyed hash is kept on the suppression list so they are never contacted again',
    },
    { data: 'email_events', period: 'With their prospect' },
    { data: 'audit_log', period: 'Kept as proof of compliance; holds ids only, no personal data' },
    { data: 'account data', period: 'Until the account is closed' },
  ],
  sources: [
    {
      data: 'prospects (scraped)',
      source:
        'Public LinkedIn profiles, collected through PhantomBuster (Art. 14 notice sent at first contact)',
    },
    { data: 'prospects (imported)', source: 'Lists you imported' },
    {
      data: 'email_events',
      source: 'The sending infrastructure (delivery, bounce, complaint, unsubscribe)',
    },
  ],
  automated_decision_making:
    'None with legal or similarly significant effects (Art. 22): enrichment only drafts personalisation.',
  rights: [
    { right: 'access', article: 'Art. 15', how: 'GET /users/me/data (this export)' },
    { right: 'rectification', article: 'Art. 16', how: 'Edit the record in the app' },
    { right: 'erasure', article: 'Art. 17', how: 'DELETE /prospects/{id}; account closure' },
    { right: 'restriction', article: 'Art. 18', how: 'Contact the controller' },
    { right: 'portability', article: 'Art. 20', how: 'This JSON export' },
    {
      right: 'objection',
      article: 'Art. 21',
      how: 'POST /prospects/{id}/consent with action "objection", or the unsubscribe link',
    },
    {
      right: 'complaint',
      article: 'Art. 77',
      how: 'A supervisory authority, e.g. the CNIL in France',
    },
  ],
};
