/**
 * Every alert a collector can raise is valid against the catalog, read from the code itself:
 * each `raiseAndRecord(deps, raised, '<alert id>', { labels }, now)` call (and any
 * `{ alertId: '<id>', labels: { … } }` literal) in collectors/ — and in adapters/, api/ and
 * sandbox/, whose code the collectors and the app run — is found by parsing the sources,
 * and its labels (an object literal, or a `const` bound to one in an enclosing block) are run
 * through the outbox's own validator (`validateLabels`). A value the
 * parser can see (a string literal, either side of `??`/`||`, both branches of `? :`) is
 * checked as written; any other value stands in as an id, so the label names are still checked.
 * Also: the alert exists, and the collector declares it in core/catalog/collectors.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { findAlert, validateLabels } from '../core/alerting/labels.ts';
import { apiAlerts } from '../core/catalog/api-alerts.ts';
import { collectors } from '../core/catalog/collectors.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
/**
 * Where raises live: the collectors, and the code they (and the API, and local staging's
 * stand-ins) call — the alert dispatcher raises from adapters/alerts/.
 */
const ROOTS = ['collectors', 'adapters', 'api', 'sandbox', 'core'];

/** core/ modules an api/ source imports: their raise sites are the API's (webhook mappings). */
function coreImportedByApi(): Set<string> {
  const out = new Set<string>();
  for (const file of sources(join(repo, 'api'))) {
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/from '((?:\.\.\/)+core\/[^']+\.ts)'/g)) {
      out.add(
        relative(repo, join(file, '..', spec!))
          .split(sep)
          .join('/'),
      );
    }
  }
  return out;
}

interface RaiseSite {
  where: string;
  /** The collector folder (collectors/<name>/…), else undefined. */
  collector: string | undefined;
  alertId: string | undefined;
  /** label name → the values it may take (`undefined`: not knowable from the source). */
  labels: Map<string, Array<string | number | undefined>> | undefined;
  /** A `resolve(…)` needs only the labels of the dedup key. */
  resolves: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The values an expression can evaluate to, as far as its syntax tells. */
function values(node: ts.Expression): Array<string | number | undefined> {
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return values(node.expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isNumericLiteral(node)) return [Number(node.text)];
  if (ts.isConditionalExpression(node))
    return [...values(node.whenTrue), ...values(node.whenFalse)];
  if (
    ts.isBinaryExpression(node) &&
    [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(
      node.operatorToken.kind,
    )
  ) {
    return [...values(node.left), ...values(node.right)];
  }
  return [undefined];
}

/** An identifier's `const name = { … }` in an enclosing block, as written before the call. */
function resolveLocal(node: ts.Expression | undefined): ts.Expression | undefined {
  if (node === undefined || !ts.isIdentifier(node)) return node;
  for (let scope: ts.Node | undefined = node.parent; scope; scope = scope.parent) {
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const statement of scope.statements) {
      if (!ts.isVariableStatement(statement) || statement.pos > node.pos) continue;
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === node.text) return d.initializer;
      }
    }
  }
  return node;
}

function labelsOf(raw: ts.Expression | undefined): RaiseSite['labels'] {
  const node = resolveLocal(raw);
  if (node === undefined || !ts.isObjectLiteralExpression(node)) return undefined;
  const out = new Map<string, Array<string | number | undefined>>();
  for (const prop of node.properties) {
    if (ts.isPropertyAssignment(prop) && !ts.isComputedPropertyName(prop.name)) {
      out.set(prop.name.text, values(prop.initializer));
    } else if (ts.isShorthandPropertyAssignment(prop)) {
      out.set(prop.name.text, [undefined]);
    } else {
      return undefined; // a spread or computed name: not checkable, reported below
    }
  }
  return out;
}

function raiseSites(): RaiseSite[] {
  const sites: RaiseSite[] = [];
  for (const file of ROOTS.flatMap((r) => sources(join(repo, r)))) {
    const rel = relative(repo, file).split(sep).join('/');
    const collector = rel.startsWith('collectors/') ? rel.split('/')[1] : undefined;
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node: ts.Node): void => {
      const where = () =>
        `${rel}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
      if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'raiseAndRecord'
      ) {
        const id = node.arguments[2];
        sites.push({
          where: where(),
          collector,
          alertId: id && ts.isStringLiteral(id) ? id.text : undefined,
          labels: labelsOf(node.arguments[3]),
          resolves: false,
        });
      } else if (ts.isObjectLiteralExpression(node)) {
        const prop = (name: string) =>
          node.properties.find(
            (p): p is ts.PropertyAssignment =>
              ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name,
          );
        const id = prop('alertId')?.initializer;
        const labels = node.properties.find((p) => p.name?.getText(source) === 'labels');
        // `{ alertId, labels, at }`: the input of raise/resolve (other objects name alerts too).
        if (id !== undefined && ts.isStringLiteral(id) && labels !== undefined) {
          const call = node.parent;
          const callee = ts.isCallExpression(call) ? call.expression.getText(source) : '';
          sites.push({
            where: where(),
            collector,
            alertId: id.text,
            labels: labelsOf(prop('labels')?.initializer),
            // A call to resolve, or a `{ kind: 'resolve', … }` the route hands to it.
            resolves:
              /(^|\.)resolve$/.test(callee) ||
              values(prop('kind')?.initializer ?? ts.factory.createNull()).includes('resolve'),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

describe('alerts the collectors raise', () => {
  // `raiseAndRecord`'s own body forwards `{ alertId, labels }` (shorthand): not a raise site.
  const calls = raiseSites();

  it('finds the raise sites in the sources (the parser is looking at the right thing)', () => {
    expect(calls.length).toBeGreaterThanOrEqual(10);
    const ids = calls.map((s) => s.alertId);
    expect(ids).toContain('collector-degraded');
    expect(ids).toContain('alert-probe-failed'); // the dispatcher, under adapters/alerts/
  });

  it('under api/, are exactly the alerts core/catalog/api-alerts.ts declares', () => {
    const fromCore = coreImportedByApi();
    const raised = new Set(
      calls
        .filter((s) => s.where.startsWith('api/') || fromCore.has(s.where.split(':')[0]!))
        .map((s) => s.alertId ?? '(not literal)'),
    );
    expect([...raised].sort()).toEqual(Object.keys(apiAlerts).sort());
  });

  it('name a catalog alert (declared by the collector raising it) with labels the outbox accepts', () => {
    const problems: string[] = [];
    for (const site of calls) {
      if (site.alertId === undefined) {
        problems.push(`${site.where}: raise with a string literal alert id, so it can be checked`);
        continue;
      }
      if (site.labels === undefined) {
        problems.push(
          `${site.where}: pass the labels as an object literal, so they can be checked`,
        );
        continue;
      }
      let alert;
      try {
        alert = findAlert(site.alertId);
      } catch (error) {
        problems.push(`${site.where}: ${(error as Error).message}`);
        continue;
      }
      const declared = collectors.find((c) => c.name === site.collector);
      // Sites in collectors/shared/ raise on behalf of every collector (collector-degraded).
      const owners = declared ? [declared] : site.collector === 'shared' ? collectors : [];
      for (const c of owners) {
        if (!(c.alerts as readonly string[]).includes(site.alertId)) {
          problems.push(`${site.where}: ${c.name} does not declare ${site.alertId}`);
        }
      }
      // Each value the source shows is tried in turn, the others standing in as ids.
      const stand = (v: string | number | undefined) => v ?? 'an-id-0';
      const base = Object.fromEntries(
        [...site.labels].map(([name, vs]) => [name, stand(vs.find((v) => v === undefined))]),
      );
      for (const [name, vs] of site.labels) {
        for (const v of vs) {
          try {
            validateLabels(
              alert,
              { ...base, [name]: stand(v) },
              site.resolves ? { only: 'dedupKey' } : {},
            );
          } catch (error) {
            problems.push(`${site.where}: ${(error as Error).message}`);
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
