// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      '.cache/**',
      'coverage/**',
      'apps/dashboard/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through config/environment.ts, not process.env.',
        },
      ],
    },
  },
  {
    // Workflow code must stay deterministic: no I/O, no Node built-ins, no frameworks.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code may not use Node built-ins.',
          })),
          patterns: [
            { group: ['@nestjs/*'], message: 'Workflow code may not import NestJS.' },
            {
              group: ['typeorm', 'typeorm/*', 'pg', 'pg-*', '@nestjs/typeorm'],
              message: 'Workflow code may not touch the database.',
            },
            {
              group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity'],
              message: 'Workflow code imports only @temporalio/workflow and @temporalio/common.',
            },
            {
              group: ['../activities/*', '../activities/**'],
              allowTypeImports: true,
              message: 'Import activities with `import type` only.',
            },
            {
              group: ['@engine/*'],
              message:
                'Workflow code imports shared code by relative path (the bundler does not know the aliases).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['config/**/*.ts', 'test/support/**/*.ts', '**/*.spec.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
