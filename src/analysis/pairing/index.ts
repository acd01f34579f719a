export * from './pairAllocations.js';
