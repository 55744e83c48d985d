/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // With `isolatedModules` in tsconfig, ts-jest only transpiles (fast); `tsc --noEmit` in
    // `npm test` does the type-checking once for the whole project.
    '^.+\\.ts$': 'ts-jest',
  },
  testTimeout: 20000,
};
