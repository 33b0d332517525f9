import * as z from 'zod';

/**
 * What an enrichment sends to Claude: only the professional fields the prompt needs. A name,
 * email, LinkedIn URL, photo or free-text "about" never leaves Vigie: the input schema is an
 * allow-list and drops every other key the caller (an n8n item carries the whole scraped
 * profile) sends along.
 */
const field = (max: number) => z.string().trim().min(1).max(max).optional();

/**
 * A UUID lower-cased, as Postgres returns it: Postgres matches a UUID in any case, but the
 * ids are also compared as strings (the owner check) and used in Redis keys (the answer cache
 * that erasure deletes by the stored id), which do not.
 */
export const lowerCaseUuid = (message: string) =>
  z.uuid({ message }).transform((id) => id.toLowerCase());

export const enrichmentInput = z.object({
  prospectId: lowerCaseUuid('prospectId: expected the prospect id (a UUID)'),
  title: field(200),
  company: field(200),
  industry: field(120),
  companySize: field(40),
  headline: field(300),
  country: field(60),
});
export type EnrichmentInput = z.infer<typeof enrichmentInput>;

/** The fields that go into the prompt, in prompt order. `prospectId` stays in Vigie. */
export const PROMPT_FIELDS = [
  'title',
  'company',
  'industry',
  'companySize',
  'headline',
  'country',
] as const;

/** Static instructions: the same for every call, sent as a cached system block. */
export const SYSTEM_PROMPT = [
  'You write short B2B prospect briefs for a sales team.',
  'Given a role and a company, answer in three lines: what this person likely owns,',
  'what they probably care about this quarter, and one opening angle for a first email.',
  'Do not invent facts about the person; reason from the role and the company only.',
  'Never ask for or mention personal details.',
].join(' ');

export function userPrompt(input: EnrichmentInput): string {
  const lines = PROMPT_FIELDS.filter((k) => input[k] !== undefined).map((k) => `${k}: ${input[k]}`);
  return lines.length > 0 ? lines.join('\n') : 'No profile fields were available.';
}

/**
 * A pre-flight estimate of the input tokens a prompt costs, before Claude counts them:
 * about four characters per token (the stand-in counts the same way; the real tokenizer is
 * corrected for after each answer from `usage`).
 */
export function estimateInputTokens(system: string, user: string): number {
  return (
    Math.ceil(system.length / 4) +
    Math.ceil(JSON.stringify([{ role: 'user', content: user }]).length / 4)
  );
}
