/**
 * jsdom for the dashboard's component tests, with Node's fetch classes (jsdom has none; the typed
 * client builds `Request`s) and the ResizeObserver Radix measures popovers with.
 */
const { TestEnvironment } = require('jest-environment-jsdom');

class DashboardEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['fetch', 'Request', 'Response', 'Headers', 'ReadableStream', 'TextEncoder', 'TextDecoder', 'structuredClone']) {
      this.global[name] = globalThis[name];
    }
    this.global.ResizeObserver = class ResizeObserver {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
  }
}

module.exports = DashboardEnvironment;
