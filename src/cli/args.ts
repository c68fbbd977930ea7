/**
 * The command line, parsed with `node:util` `parseArgs` (strict: unknown
 * options and stray arguments are errors).
 *
 * ```ts
 * parseCommandLine(['sessions', '--journal', 'j.jsonl', '--json']);
 * // { command: 'sessions', journal: 'j.jsonl', json: true }
 * parseCommandLine(['demo', '--bogus']); // throws UsageError: unknown option '--bogus' for 'demo'
 * parseCommandLine(['diagram', '--help']); // { command: 'help', topic: 'diagram' }
 * parseCommandLine(['--version', 'x']);  // throws UsageError: unexpected argument 'x' for '--version'
 * ```
 *
 * A negative number after an option that takes a value is that value
 * (`--pace -1`), not an option: it is then judged by the option's own rule.
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '../ground/errorMessage.js';
import { UsageError } from './errors.js';

/** Where the demo and `sessions` read and write unless told otherwise (relative to the working directory). */
export const DEFAULT_JOURNAL = '.xstate-otp/journal.jsonl';

export const DIAGRAM_NAMES = ['session', 'supervisor', 'process'] as const;
export type DiagramName = (typeof DIAGRAM_NAMES)[number];

/** The commands with a help section of their own. */
export const COMMANDS = ['demo', 'sessions', 'dashboard', 'diagram'] as const;
export type CommandName = (typeof COMMANDS)[number];

export type CommandLine =
  | { command: 'help'; topic?: CommandName }
  | { command: 'version' }
  | {
      command: 'demo';
      journal: string;
      inspect: string | undefined;
      /** Scales every delay of the script: 1 is watchable, `--fast` is 0.1. */
      pace: number;
      plain: boolean;
      /** Serve the run on the web dashboard (`--dashboard`), at this address (port 0: any). */
      dashboard?: { port: number; host: string } | undefined;
    }
  | { command: 'sessions'; journal: string; json: boolean }
  | { command: 'diagram'; machine: DiagramName; markdown: boolean }
  | {
      command: 'dashboard';
      journal: string;
      port: number;
      host: string;
      /** `--allowed-host` (repeatable): names a reverse proxy may send as Host or Origin. */
      allowedHosts: string[];
    };

const ACCEPTED = [...COMMANDS, 'help'];

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** `--pace -1` → `--pace=-1`: parseArgs would take `-1` for an option and call the value missing. */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (
      name &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      /^-\d|^-\.\d/.test(next)
    ) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function parse(command: string, args: string[], options: Options, positionals: number) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${describeParseError(error)} for '${command}'`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(
      `unexpected argument '${parsed.positionals[positionals]}' for '${command}'`,
    );
  }
  return parsed;
}

/** parseArgs' messages are long and suggest `--` escapes; keep the first sentence. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = errorMessage(error);
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option '${option}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return /argument missing|ambiguous/.test(message)
      ? `option '${option}' needs a value`
      : `option '${option}' takes no value`;
  }
  return message.split(/\.\s/)[0] ?? message;
}

function nonEmpty(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError(`option '${option}' needs a non-empty value`);
  }
  return value;
}

function parsePace(value: unknown): number {
  const pace = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(pace) || pace <= 0) {
    throw new UsageError(`option '--pace' needs a number > 0; got '${String(value)}'`);
  }
  return pace;
}

function parsePort(value: unknown): number {
  const port = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(
      `option '--port' needs a port number from 0 to 65535; got '${String(value)}'`,
    );
  }
  return port;
}

/** `--port` and `--host` of the web dashboard: any free port, loopback, unless told otherwise. */
function dashboardAddress(values: { port?: unknown; host?: unknown }) {
  return {
    port: values.port === undefined ? 0 : parsePort(values.port),
    host: values.host === undefined ? '127.0.0.1' : nonEmpty(values.host, '--host'),
  };
}

/** `--help`, `--version` and `help [command]` take nothing else. */
function noMoreArguments(what: string, rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}' for '${what}'`);
}

const isCommand = (name: string): name is CommandName =>
  (COMMANDS as readonly string[]).includes(name);

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) return { command: 'help' };
  if (first === '--help' || first === '-h') {
    noMoreArguments(first, rest);
    return { command: 'help' };
  }
  if (first === 'help') {
    const [topic, ...extra] = rest;
    if (topic === undefined) return { command: 'help' };
    if (!isCommand(topic)) {
      throw new UsageError(
        `unknown command '${topic}' for 'help' (commands: ${COMMANDS.join(', ')})`,
      );
    }
    noMoreArguments(`help ${topic}`, extra);
    return { command: 'help', topic };
  }
  if (first === '--version' || first === '-v') {
    noMoreArguments(first, rest);
    return { command: 'version' };
  }
  if (!ACCEPTED.includes(first)) {
    throw new UsageError(
      first.startsWith('-')
        ? `unknown option '${first}'; a command comes first (${ACCEPTED.join(', ')})`
        : `unknown command '${first}' (commands: ${ACCEPTED.join(', ')})`,
    );
  }
  switch (first) {
    case 'demo': {
      const { values } = parse(
        'demo',
        rest,
        {
          journal: { type: 'string' },
          inspect: { type: 'string' },
          fast: { type: 'boolean' },
          pace: { type: 'string' },
          plain: { type: 'boolean' },
          dashboard: { type: 'boolean' },
          port: { type: 'string' },
          host: { type: 'string' },
        },
        0,
      );
      if (values.help) return { command: 'help', topic: 'demo' };
      if (values.fast && values.pace !== undefined) {
        throw new UsageError("use either '--fast' or '--pace', not both");
      }
      if (!values.dashboard && (values.port !== undefined || values.host !== undefined)) {
        throw new UsageError("'--port' and '--host' go with '--dashboard'");
      }
      return {
        command: 'demo',
        journal:
          values.journal === undefined ? DEFAULT_JOURNAL : nonEmpty(values.journal, '--journal'),
        inspect: values.inspect === undefined ? undefined : nonEmpty(values.inspect, '--inspect'),
        pace: values.fast ? 0.1 : values.pace === undefined ? 1 : parsePace(values.pace),
        plain: values.plain === true,
        ...(values.dashboard ? { dashboard: dashboardAddress(values) } : {}),
      };
    }
    case 'sessions': {
      const { values } = parse(
        'sessions',
        rest,
        { journal: { type: 'string' }, json: { type: 'boolean' } },
        0,
      );
      if (values.help) return { command: 'help', topic: 'sessions' };
      return {
        command: 'sessions',
        journal:
          values.journal === undefined ? DEFAULT_JOURNAL : nonEmpty(values.journal, '--journal'),
        json: values.json === true,
      };
    }
    case 'diagram': {
      const { values, positionals } = parse('diagram', rest, { markdown: { type: 'boolean' } }, 1);
      if (values.help) return { command: 'help', topic: 'diagram' };
      const machine = positionals[0];
      if (machine === undefined) {
        throw new UsageError(`'diagram' needs a machine: ${DIAGRAM_NAMES.join(', ')}`);
      }
      if (!(DIAGRAM_NAMES as readonly string[]).includes(machine)) {
        throw new UsageError(
          `unknown machine '${machine}' for 'diagram' (one of ${DIAGRAM_NAMES.join(', ')})`,
        );
      }
      return {
        command: 'diagram',
        machine: machine as DiagramName,
        markdown: values.markdown === true,
      };
    }
    case 'dashboard': {
      const { values } = parse(
        'dashboard',
        rest,
        {
          journal: { type: 'string' },
          port: { type: 'string' },
          host: { type: 'string' },
          'allowed-host': { type: 'string', multiple: true },
        },
        0,
      );
      if (values.help) return { command: 'help', topic: 'dashboard' };
      const allowed = (values['allowed-host'] ?? []) as unknown[];
      return {
        command: 'dashboard',
        journal:
          values.journal === undefined ? DEFAULT_JOURNAL : nonEmpty(values.journal, '--journal'),
        ...dashboardAddress(values),
        allowedHosts: allowed.map((name) => nonEmpty(name, '--allowed-host')),
      };
    }
    default:
      return { command: 'help' };
  }
}
