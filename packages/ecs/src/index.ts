export * from './image.js';
export * from './taskdef.js';
