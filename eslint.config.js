// Lint rules, including the architecture's import direction (ARCHITECTURE.md "Rules that keep the house simple").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noFrameworkInCore = {
  patterns: [
    { group: ['fastify', 'fastify-plugin', '@fastify/*'], message: 'Services and ports never import Fastify; keep HTTP in routes and src/http.' },
    { group: ['better-sqlite3', 'mongodb', 'ioredis', 'bullmq', 'sharp', 'bcrypt'], message: 'Drivers and SDKs belong in src/adapters, picked by src/container.ts.' },
    { group: ['**/adapters/**'], message: 'Only src/container.ts imports adapters.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]", message: 'Focused tests silence the rest.' }],
    },
  },
  {
    files: ['src/modules/**/*.service.ts', 'src/modules/shared/**/*.ts', 'src/ports/**/*.ts', 'src/lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', noFrameworkInCore] },
  },
  {
    files: ['src/modules/**/*.ts', 'src/http/**/*.ts', 'src/lib/**/*.ts', 'src/ports/**/*.ts'],
    ignores: ['src/modules/**/*.service.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/adapters/**'], message: 'Only src/container.ts imports adapters.' }] }],
    },
  },
);
