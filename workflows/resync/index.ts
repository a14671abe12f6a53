export * from './model.js';
export * from './events.js';
export * from './effects.js';
export * from './state.js';
export * from './policy.js';
export * from './platform-traits.js';
export * from './reply-parser.js';
export * from './templates.js';
export { initialState, isInert, transition, type TransitionResult } from './transition.js';
