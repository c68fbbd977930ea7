export { sessionSupervisorKey } from './keys.js';
export {
  createRegistry,
  type Registry,
  type RegistryChange,
  type RegistryListener,
} from './registry.js';
