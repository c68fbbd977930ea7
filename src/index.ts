export * from './errors.js';
export * from './machines/supervisor/index.js';
export * from './registry/index.js';
export { acceptsShutdown, SHUTDOWN_EVENT, type ShutdownEvent } from './shutdown.js';
