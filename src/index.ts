export * from './errors.js';
export { acceptsShutdown, SHUTDOWN_EVENT, type ShutdownEvent } from './shutdown.js';
