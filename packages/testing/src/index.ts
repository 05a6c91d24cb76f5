export * from './clock.js';
export * from './fake-client.js';
export * from './fake-previews.js';
