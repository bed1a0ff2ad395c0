/** Jest runs TypeScript through SWC (about 3x faster than ts-jest); `tsc --noEmit` does the type check. */
const swc = (tsx) => [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true, tsx },
      transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // *.test.tsx: the dashboard's component tests (test/web), in jsdom through their @jest-environment docblock.
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: {
    '^.+\\.tsx$': swc(true),
    '^.+\\.(t|j)s$': swc(false),
  },
  // openid-client (and its dependencies) and badge-maker are ESM only (the server loads them with require(esm)):
  // SWC turns them into CommonJS for jest like the project's own files.
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose|badge-maker)/)'],
  // The dashboard imports its stylesheet; tests do not need it.
  moduleNameMapper: { '\\.css$': '<rootDir>/test/web/style-stub.js' },
  testTimeout: 30000,
  // One line naming the engines the run uses (EVENTSTORE_URL / MONGODB_URL), and the test databases dropped at the end.
  globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
  // Every test file that starts a server leaves about 50 MB that jest's module registries keep until the
  // process ends; run in band (one worker, as on a 2-core CI machine) the whole suite outgrew the 4 GB heap.
  // With a limit, tests run in a worker process that jest replaces once it holds more than this after a file.
  workerIdleMemoryLimit: '1GB',
};
