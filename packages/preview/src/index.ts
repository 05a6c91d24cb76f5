export * from './deployments.js';
export * from './discover.js';
export * from './elb.js';
export * from './find-previews.js';
export * from './names.js';
export * from './sleep.js';
export * from './teardown.js';
