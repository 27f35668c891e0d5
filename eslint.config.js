// Lint: typescript-eslint's type-aware rules (recommendedTypeChecked) over the one program that
// tsconfig.eslint.json describes; layout is Prettier's, so eslint-config-prettier comes last.
// Run with `npm run lint` (no warnings allowed); scripts/test.sh runs it before the tests.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'dist-action/', 'coverage/', '.tools/', 'out/', 'oci-out/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        // A `default:` is this code's way of saying "every other case, on purpose"; switches that must
        // name every member end in assertNever(), which the compiler checks.
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Passing on a reason we were handed (an AbortSignal's reason, a caught error) is right; only
      // rejecting with a value we made up (a string, an object) is the bug this rule is for.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `async` without `await` is how this code implements Promise-returning interfaces, makes a throw
      // a rejection, and writes async generators over fixed data; no-floating-promises and
      // await-thenable catch the mistakes this rule would.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read YAML/JSON documents as `any` on purpose and use vitest's asymmetric matchers
      // (expect.objectContaining, expect.any), which are typed `any`; a wrong shape fails the assertion.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
