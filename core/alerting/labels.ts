import { VigieError } from '../errors.ts';
import { alerts } from '../catalog/alerts.ts';
import type { AlertDefinition } from '../catalog/types.ts';

/** Alert labels: ids, codes and numbers only. They end up in Slack, email and the outbox. */
export type AlertLabels = Readonly<Record<string, string | number>>;

const placeholder = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
const labelName = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/**
 * An id-like value: no spaces (names), no `@` (emails), no `/` (URLs, profile paths). This is
 * a guard against accidents, not a detector: callers still pass ids, never personal data.
 */
const labelValue = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** The `{name}` placeholders of a template, in order of first appearance. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(placeholder)].map((m) => m[1] as string))];
}

/** The labels an alert needs: every placeholder of its description and dedup key. */
export function requiredLabels(alert: AlertDefinition): string[] {
  return [...new Set([...placeholders(alert.description), ...placeholders(alert.dedupKey)])];
}

/** Looks an alert up in the catalog; an unknown id is a caller bug, reported clearly. */
export function findAlert(alertId: string): AlertDefinition {
  const found = alerts.find((a) => a.id === alertId);
  if (!found) {
    throw new VigieError(
      'BAD_REQUEST',
      `Unknown alert "${alertId}": add it to core/catalog/alerts.ts (see \`npx vigie alerts list\`).`,
      { details: { alertId } },
    );
  }
  return found;
}

/**
 * Checks labels against the alert: every placeholder present, nothing extra, every value an id
 * or a finite number. Reports all problems at once.
 */
export function validateLabels(
  alert: AlertDefinition,
  labels: Record<string, unknown>,
  options: { only?: 'dedupKey' } = {},
): AlertLabels {
  // Resolving needs only what identifies the group; the description's figures may be unknown.
  const required =
    options.only === 'dedupKey' ? placeholders(alert.dedupKey) : requiredLabels(alert);
  const allowed = requiredLabels(alert);
  const problems: string[] = [];
  for (const name of required) {
    if (!(name in labels)) problems.push(`missing label "${name}"`);
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!labelName.test(name))
      problems.push(`label name "${name.slice(0, 64)}" is not an identifier`);
    else if (!allowed.includes(name)) problems.push(`label "${name}" is not used by this alert`);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push(`label "${name}" must be a finite number`);
    } else if (typeof value !== 'string' || !labelValue.test(value)) {
      // Never echo the value: it may be the personal data we are keeping out.
      problems.push(`label "${name}" must be an id or a number (letters, digits, _ . : -)`);
    }
  }
  if (problems.length > 0) {
    throw new VigieError('BAD_REQUEST', `Alert "${alert.id}": ${problems.join('; ')}.`, {
      details: { alertId: alert.id, problems },
    });
  }
  return labels as AlertLabels;
}

/** Fills `{name}` placeholders from labels; a missing label is an error, never blank text. */
export function renderTemplate(template: string, labels: AlertLabels): string {
  const missing = placeholders(template).filter((name) => !(name in labels));
  if (missing.length > 0) {
    throw new VigieError('BAD_REQUEST', `Missing alert label(s): ${missing.join(', ')}.`, {
      details: { missing },
    });
  }
  return template.replace(placeholder, (_, name: string) => String(labels[name]));
}

export function renderDescription(alert: AlertDefinition, labels: AlertLabels): string {
  return renderTemplate(alert.description, labels);
}

/** What makes two raises "the same alert": the alert id plus its rendered dedup template. */
export function dedupKey(alert: AlertDefinition, labels: AlertLabels): string {
  return `${alert.id}/${renderTemplate(alert.dedupKey, labels)}`;
}
