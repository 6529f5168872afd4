/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  // noVNC's decoders are the independent oracle for our encoders. They are ES
  // modules, and the package's `exports` only allows its main entry, so they are
  // transformed like our own code and reached by path.
  transformIgnorePatterns: ['/node_modules/(?!@novnc/novnc/)'],
  moduleNameMapper: { '^@novnc/novnc/(.*)$': '<rootDir>/node_modules/@novnc/novnc/$1' },
  setupFiles: ['<rootDir>/test/helpers/novnc-globals.js'],
  cacheDirectory: '<rootDir>/.jest-cache',
};
