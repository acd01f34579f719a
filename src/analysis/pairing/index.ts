export * from './pairAllocations.js';
export * from './consumer.js';
