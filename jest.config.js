/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // swc transpiles only; `npm run typecheck` is the type gate.
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022', keepClassNames: true } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
