/**
 * Which `Host` and `Origin` a dashboard answers: the address it is bound
 * to, and the names its user allows (`allowedHosts`). Anything else is a
 * 403, the defence against DNS rebinding: a page of `evil.example` whose
 * name is made to resolve to 127.0.0.1 reaches the dashboard with
 * `Host: evil.example`, which is refused before anything else is looked at.
 *
 * ```ts
 * const check = createHostCheck({ bound: '127.0.0.1', allowedHosts: ['dash.example.com', '.internal'] });
 * check.allows('127.0.0.1:8080', undefined);                 // true: the bound address
 * check.allows('localhost:8080', undefined);                 // true: bound to loopback, and localhost is loopback
 * check.allows('dash.example.com', 'https://dash.example.com'); // true: allowed
 * check.allows('a.internal', undefined);                     // true: a leading dot allows the subdomains
 * check.allows('evil.example', undefined);                   // false
 * check.allows('127.0.0.1:8080', 'https://evil.example');    // false: the Origin counts too, when present
 * ```
 *
 * Names are compared without their port and case-insensitively (a reverse
 * proxy may well listen on another port than the dashboard). An IP literal
 * is allowed when it is the bound address, or any address when the server
 * is bound to all of them (`0.0.0.0`, `::`): a rebinding attack needs a
 * name, never an IP. A request with no `Host` (HTTP/1.0) is refused.
 */
import { isIP } from 'node:net';

export interface HostCheck {
  allows(host: string | undefined, origin: string | undefined): boolean;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Whether an address is the machine's own (127.0.0.0/8, ::1, their IPv4-mapped form, localhost). */
export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(bare) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(bare)
  );
}

/** The name of a `Host` value (`[::1]:8080` → `::1`, `Example.COM:80` → `example.com`). */
function hostName(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

export function createHostCheck(options: {
  bound: string;
  allowedHosts: readonly string[];
}): HostCheck {
  const bound = options.bound.replace(/^\[|\]$/g, '').toLowerCase();
  const wildcard = WILDCARDS.has(bound);
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of options.allowedHosts) {
    const name = entry.toLowerCase();
    if (name.startsWith('.')) suffixes.push(name);
    else exact.add(hostName(name) ?? name);
  }
  const allowedName = (name: string | undefined): boolean => {
    if (name === undefined || name === '') return false;
    if (exact.has(name)) return true;
    if (suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1))) return true;
    if (isIP(name) !== 0) return wildcard || name === bound;
    // localhost names the machine itself: fine when the server listens there.
    return name === 'localhost' && (wildcard || isLoopback(bound));
  };
  return {
    allows(host, origin) {
      if (host === undefined || !allowedName(hostName(host))) return false;
      if (origin === undefined) return true;
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        return false; // `Origin: null` (a sandboxed frame, a file: page) and nonsense alike
      }
      return allowedName(hostName(originHost));
    },
  };
}
