/**
 * The `--help` text, whole or for one command (`xstate-otp diagram --help`).
 *
 * ```ts
 * usage();            // every command
 * usage('sessions');  // the usage line and options of `sessions` only
 * ```
 */
import { type CommandName, DEFAULT_JOURNAL, DIAGRAM_NAMES } from './args.js';

const TITLE = 'xstate-otp — Erlang/OTP-style supervision, sessions and processes for XState v5';

const SECTIONS: Record<CommandName, string> = {
  demo: `  xstate-otp demo [--journal PATH] [--inspect FILE] [--fast | --pace N] [--plain]
                  [--dashboard [--port N] [--host H]]
      Run six scripted process sessions with mixed outcomes under a session
      manager and show them live. Ctrl-C cuts the run short: every process is
      killed, and the next run records the cut sessions as interrupted.
        --journal PATH   the journal to use (default ${DEFAULT_JOURNAL})
        --inspect FILE   also write every inspection event as JSON lines to FILE
        --fast           short delays (a run takes about a second)
        --pace N         scale every delay by N > 0 (default 1, about five seconds)
        --plain          one line per change, even in a terminal
        --dashboard      also serve the run on the web dashboard and print its
                         address; it keeps serving after the run until Ctrl-C
        --port N, --host H   where it listens (default any free port, 127.0.0.1)
`,
  sessions: `  xstate-otp sessions [--journal PATH] [--json]
      List the sessions recorded in a journal (default ${DEFAULT_JOURNAL}),
      as a table or as JSON. Reads the file only: safe while a host runs.
`,
  dashboard: `  xstate-otp dashboard [--journal PATH] [--port N] [--host H] [--allowed-host NAME]...
      Serve a read-only web dashboard of a journal (default ${DEFAULT_JOURNAL}),
      live or not, and print its address (with its access token). Reads the
      file only: safe while a host runs. Ctrl-C stops it. --allowed-host: a
      name (a reverse proxy's) that requests may carry as Host besides the
      address it listens on; others are refused (403).
`,
  diagram: `  xstate-otp diagram <${DIAGRAM_NAMES.join('|')}> [--markdown]
      Print the statechart as a Mermaid stateDiagram-v2
      (--markdown: inside a \`\`\`mermaid fence).
`,
};

const EXIT_STATUS = 'Exit status: 0 on success, 1 when the command failed, 2 for bad arguments.\n';

export function usage(topic?: CommandName): string {
  if (topic !== undefined) return `Usage:\n${SECTIONS[topic]}\n${EXIT_STATUS}`;
  return `${TITLE}

Usage:
${SECTIONS.demo}
${SECTIONS.sessions}
${SECTIONS.dashboard}
${SECTIONS.diagram}
  xstate-otp --help | --version
  xstate-otp <command> --help | xstate-otp help <command>

${EXIT_STATUS}`;
}
