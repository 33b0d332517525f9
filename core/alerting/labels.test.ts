import { describe, expect, it } from 'vitest';
import { alerts } from '../catalog/alerts.ts';
import {
  dedupKey,
  findAlert,
  renderDescription,
  renderTemplate,
  validateLabels,
} from './labels.ts';

describe('alert labels, descriptions and dedup keys', () => {
  const alert = findAlert('n8n-failure-rate-high');
  const labels = { workflowId: 'wf-12', failed: 7, finished: 20, ratePercent: 35 };

  it('renders the description from labels', () => {
    expect(renderDescription(alert, labels)).toBe(
      'Workflow wf-12: 7 of 20 executions failed in the last hour (35%).',
    );
  });

  it('refuses a template with a missing label instead of printing a blank', () => {
    expect(() => renderTemplate('Workflow {workflowId} on {host}', { workflowId: 'x' })).toThrow(
      /Missing alert label\(s\): host/,
    );
  });

  it('keys the group on the alert id and the dedup template only', () => {
    expect(dedupKey(alert, labels)).toBe('n8n-failure-rate-high/wf-12');
    expect(dedupKey(alert, { ...labels, failed: 9 })).toBe('n8n-failure-rate-high/wf-12');
  });

  it('rejects personal-looking values, unknown labels and missing ones, all at once', () => {
    let message = '';
    try {
      validateLabels(alert, {
        workflowId: 'jane.doe@example.com',
        failed: Number.NaN,
        name: 'x',
        finished: 2,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('missing label "ratePercent"');
    expect(message).toContain('label "workflowId" must be an id or a number');
    expect(message).toContain('label "failed" must be a finite number');
    expect(message).toContain('label "name" is not used by this alert');
    expect(message).not.toContain('jane.doe'); // the refused value is never echoed
  });

  it('rejects URLs and names with spaces', () => {
    for (const value of ['https://www.linkedin.com/in/someone', 'Jane Doe']) {
      expect(() => validateLabels(alert, { ...labels, workflowId: value })).toThrow();
    }
  });

  it('accepts only the dedup labels when resolving', () => {
    expect(validateLabels(alert, { workflowId: 'wf-1' }, { only: 'dedupKey' })).toEqual({
      workflowId: 'wf-1',
    });
  });

  it('throws a clear error for an unknown alert id', () => {
    expect(() => findAlert('nope')).toThrow(/Unknown alert "nope"/);
  });

  it('every catalog alert renders with sample labels', () => {
    for (const a of alerts) {
      const sample = Object.fromEntries(
        [...`${a.description} ${a.dedupKey}`.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], 'x1']),
      );
      expect(renderDescription(a, sample)).not.toMatch(/[{}]/);
    }
  });
});
