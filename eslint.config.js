// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import importsWithin from './lint-rules/imports-within.js';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', 'out/', 'dist/', 'bench/results/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // core/ is the pure engine: it reaches the world only through its ports (DESIGN.md).
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'core/ is pure: reach the world through a port (core/ports.ts).' },
            { group: ['axios', 'electron', 'react', 'react-dom', 'koa', 'oidc-provider', 'ioredis'], message: 'core/ must not depend on adapters, UI or the server.' },
            { group: ['../host/*', '../cli/*', '../server/*', '../renderer/*', '../electron/*'], message: 'core/ never imports a layer above it.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'core/ is pure: no Node globals.' },
        { name: 'Buffer', message: 'core/ is pure: use TextEncoder / Uint8Array.' },
        { name: 'window', message: 'core/ has no DOM.' },
        { name: 'document', message: 'core/ has no DOM.' },
        { name: 'fetch', message: 'core/ reaches the network only through the HttpClient port.' },
        { name: 'setTimeout', message: 'core/ waits only through the Clock port.' },
        { name: 'setInterval', message: 'core/ waits only through the Clock port.' },
        { name: 'performance', message: 'core/ reads time only through the Clock port.' },
      ],
      // The clock, not all of Date: parsing a date the server sent (Date.parse) or handing jose an
      // instant from the Clock port (new Date(ms)) reads no time.
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'core/ reads time only through the Clock port.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'core/ reads time only through the Clock port.' },
        { selector: "CallExpression[callee.name='Date']", message: 'core/ reads time only through the Clock port.' },
      ],
    },
  },
  {
    files: ['host/page/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // renderer/ never sees a token and talks to the device only through host/contract.ts.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { fence: { rules: { 'imports-within': importsWithin } } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', ...builtinModules, 'axios', 'electron'], message: 'renderer/ runs in a sandboxed page.' },
          ],
        },
      ],
      // Resolved against each file, so that no depth of `../` gets past it (test/renderer/import-fence.test.ts).
      'fence/imports-within': [
        'error',
        {
          within: join(import.meta.dirname, 'renderer'),
          allow: [join(import.meta.dirname, 'host', 'contract.ts')],
          message: 'renderer/ imports only host/contract.ts (types) and its own files.',
        },
      ],
    },
  },
);
