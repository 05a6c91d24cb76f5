export * from './image.js';
export * from './network.js';
export * from './taskdef.js';
