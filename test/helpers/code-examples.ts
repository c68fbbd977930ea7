/**
 * The code examples of the repository, compiled: every ```ts block in a doc
 * comment of `src/**\/*.ts` and in `docs/*.md` and `README.md` becomes a
 * module of its own, type-checked against the sources, so an example cannot
 * drift from the signatures it shows.
 *
 * ```ts
 * const examples = findCodeExamples();
 * const problems = compileCodeExamples(examples); // [] when every example compiles
 * ```
 *
 * An example sees what its reader would have in scope:
 * - what it imports or declares itself;
 * - in a source file's doc comment, what that module imports and exports
 *   (the example sits in the module's folder, so relative imports work);
 * - every name of the package's entries (`xstate-otp`, `/testing`, `/store`,
 *   `/nats`, `/dashboard`) and XState's common ones, as if imported;
 * - the context names of `CONTEXT` (`manager`, `agentMachine`, …), declared
 *   with their types, for the "given a manager" parts of a text, and the
 *   application functions of `PLACEHOLDERS` (`render`, `refresh`, …);
 * - the values it works on and reads but never calls (`record`, `path`),
 *   declared as `any`: a function it calls must exist.
 *
 * A block whose info string says more than `ts` (for example
 * ```` ```ts signature ````) shows a shape, not code, and is not compiled.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './cli.js';

export interface CodeExample {
  /** Repository-relative path of the file that holds the example. */
  file: string;
  /** 1-based line of the opening fence in that file. */
  line: number;
  code: string;
}

export interface ExampleProblem {
  where: string;
  message: string;
}

const FENCE_OPEN = /^```ts\s*$/;
const FENCE_ANY = /^```/;

/** The application's own functions an example calls without defining them. */
const PLACEHOLDERS = [
  'answer',
  'bold',
  'everything',
  'fenceEverything',
  'mySink',
  'redraw',
  'refresh',
  'render',
  'serve',
  'show',
  'tableLines',
  'work',
];

/** Context an example may take as given, declared with a type. */
const CONTEXT = `
declare const manager: import('xstate-otp').SessionManager;
declare const registry: import('xstate-otp').Registry;
declare const session: import('xstate-otp').Session;
declare const sessionId: string;
declare const ids: string[];
declare const scope: string;
declare const sup: import('xstate').AnyActorRef;
declare const actor: import('xstate').AnyActorRef;
declare const ref: import('xstate').AnyActorRef;
declare const agentMachine: import('xstate').AnyStateMachine;
declare const workerMachine: import('xstate').AnyStateMachine;
declare const reviewAgent: import('xstate').AnyStateMachine;
${PLACEHOLDERS.map((name) => `declare function ${name}(...args: any[]): any;`).join('\n')}
`;

/** XState names an example may use without importing them. */
const XSTATE_NAMES = {
  values: [
    'assign',
    'createActor',
    'createMachine',
    'fromCallback',
    'fromPromise',
    'setup',
    'SimulatedClock',
  ],
  types: ['AnyActorLogic', 'AnyActorRef', 'AnyStateMachine', 'InspectionEvent'],
};

const ENTRIES: Record<string, string> = {
  'xstate-otp': 'src/index.ts',
  'xstate-otp/testing': 'src/testing/index.ts',
  'xstate-otp/store': 'src/store/index.ts',
  'xstate-otp/nats': 'src/nats/index.ts',
  'xstate-otp/dashboard': 'src/dashboard/index.ts',
  'xstate-otp/otel': 'src/otel/index.ts',
};

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

/** The ```ts blocks of `lines`; `prefix` is stripped from each line first (doc comments). */
function blocksOf(file: string, lines: string[], strip: (line: string) => string): CodeExample[] {
  const examples: CodeExample[] = [];
  let open: { line: number; body: string[] } | undefined;
  let skipping = false;
  lines.forEach((raw, index) => {
    const line = strip(raw);
    if (open) {
      if (FENCE_ANY.test(line.trim())) {
        examples.push({ file, line: open.line, code: open.body.join('\n') });
        open = undefined;
      } else {
        open.body.push(line);
      }
    } else if (skipping) {
      if (FENCE_ANY.test(line.trim())) skipping = false;
    } else if (FENCE_OPEN.test(line.trim())) {
      open = { line: index + 1, body: [] };
    } else if (FENCE_ANY.test(line.trim())) {
      skipping = true;
    }
  });
  return examples;
}

/** Every example of the repository, in file order. */
export function findCodeExamples(): CodeExample[] {
  const examples: CodeExample[] = [];
  const sources = filesUnder(
    join(repoRoot, 'src'),
    (name) => name.endsWith('.ts') && !name.endsWith('.d.ts'),
  );
  for (const path of sources) {
    const text = readFileSync(path, 'utf8');
    const file = relative(repoRoot, path);
    // Doc comments only: each `/** … */` with its lines' ` * ` margin removed.
    for (const match of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const firstLine = text.slice(0, match.index).split('\n').length;
      const lines = match[0].split('\n');
      for (const example of blocksOf(file, lines, (line) => line.replace(/^\s*\/?\*+\/?\s?/, ''))) {
        examples.push({ ...example, line: firstLine + example.line - 1 });
      }
    }
  }
  const docs = [
    ...filesUnder(join(repoRoot, 'docs'), (name) => name.endsWith('.md')),
    join(repoRoot, 'README.md'),
  ];
  for (const path of docs) {
    const lines = readFileSync(path, 'utf8').split('\n');
    examples.push(...blocksOf(relative(repoRoot, path), lines, (line) => line));
  }
  return examples;
}

/** Names an example binds at its top level: imports and declarations. */
function boundNames(code: string): Set<string> {
  const source = ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest, false);
  const names = new Set<string>();
  const bindName = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else
      for (const element of name.elements)
        if (!ts.isOmittedExpression(element)) bindName(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bindName(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/**
 * Names an example reads but never binds, never calls and never
 * constructs: the values it works on (`record`, `path`), which it may leave
 * to the reader. Scope-blind on purpose: a name bound anywhere in the
 * example is not free.
 */
function freeReadNames(code: string): Set<string> {
  const source = ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest, true);
  const bound = new Set<string>();
  const read = new Set<string>();
  const called = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const declares =
        (ts.isVariableDeclaration(parent) ||
          ts.isParameter(parent) ||
          ts.isBindingElement(parent) ||
          ts.isFunctionDeclaration(parent) ||
          ts.isFunctionExpression(parent) ||
          ts.isClassDeclaration(parent) ||
          ts.isInterfaceDeclaration(parent) ||
          ts.isTypeAliasDeclaration(parent) ||
          ts.isImportSpecifier(parent) ||
          ts.isImportClause(parent) ||
          ts.isNamespaceImport(parent)) &&
        (parent as { name?: ts.Node }).name === node;
      const isMember =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isBindingElement(parent) && parent.propertyName === node) ||
        ts.isQualifiedName(parent) ||
        ts.isTypeReferenceNode(parent) ||
        ts.isPropertySignature(parent) ||
        ts.isMethodDeclaration(parent) ||
        ts.isPropertyDeclaration(parent) ||
        ts.isLabeledStatement(parent);
      if (declares) bound.add(node.text);
      else if (
        (ts.isCallExpression(parent) || ts.isNewExpression(parent)) &&
        parent.expression === node
      )
        called.add(node.text);
      else if (!isMember) read.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return new Set([...read].filter((name) => !bound.has(name) && !called.has(name)));
}

interface ImportedName {
  name: string;
  /** The exported name, when it is imported under another (`setTimeout as delay`). */
  imported?: string | undefined;
  specifier: string;
  isType: boolean;
}

/** What a module's import declarations bind (for examples in its doc comments). */
function importsOf(source: ts.SourceFile): ImportedName[] {
  const names: ImportedName[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier))
      continue;
    const specifier = statement.moduleSpecifier.text;
    const clause = statement.importClause;
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        names.push({
          name: element.name.text,
          imported: element.propertyName?.text,
          specifier,
          isType: clause.isTypeOnly || element.isTypeOnly,
        });
      }
    }
  }
  return names;
}

/** Compiles every example; returns one problem per diagnostic, `[]` when all compile. */
export function compileCodeExamples(examples: CodeExample[]): ExampleProblem[] {
  const configPath = join(repoRoot, 'tsconfig.json');
  const config = ts.parseJsonConfigFileContent(
    ts.readConfigFile(configPath, ts.sys.readFile).config,
    ts.sys,
    repoRoot,
  );
  const options: ts.CompilerOptions = { ...config.options, noEmit: true };

  // First pass: what each entry and each source module exports, values and types apart.
  const entryFiles = Object.values(ENTRIES).map((file) => join(repoRoot, file));
  const sourceFiles = [
    ...new Set(
      examples.filter((e) => e.file.startsWith('src/')).map((e) => join(repoRoot, e.file)),
    ),
  ];
  const base = ts.createProgram([...entryFiles, ...sourceFiles], options);
  const checker = base.getTypeChecker();
  const exportsOf = (file: string): { name: string; isType: boolean }[] => {
    const source = base.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) return [];
    return checker.getExportsOfModule(symbol).map((exported) => {
      const target =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      return { name: exported.name, isType: (target.flags & ts.SymbolFlags.Value) === 0 };
    });
  };
  const entryNames: ImportedName[] = Object.entries(ENTRIES).flatMap(([specifier, file]) =>
    exportsOf(join(repoRoot, file)).map((exported) => ({ ...exported, specifier })),
  );
  const xstateNames: ImportedName[] = [
    ...XSTATE_NAMES.values.map((name) => ({ name, specifier: 'xstate', isType: false })),
    ...XSTATE_NAMES.types.map((name) => ({ name, specifier: 'xstate', isType: true })),
  ];
  const contextNames = boundNames(CONTEXT);
  // What every module sees: the names declared by the lib files (a script, not a module, so its scope is the global one).
  const lib = base.getSourceFiles().find((file) => /lib\.es5\.d\.ts$/.test(file.fileName));
  const globals = new Set(
    lib
      ? checker
          .getSymbolsInScope(lib, ts.SymbolFlags.Value | ts.SymbolFlags.Type)
          .map((symbol) => symbol.name)
      : [],
  );

  // Second pass: one virtual module per example, beside the file it comes from.
  const build = (example: CodeExample, index: number) => {
    const home = join(repoRoot, example.file);
    const taken = boundNames(example.code);
    const given: ImportedName[] = [];
    const give = (names: ImportedName[]) => {
      for (const imported of names) {
        if (taken.has(imported.name)) continue;
        taken.add(imported.name);
        given.push(imported);
      }
    };
    if (example.file.startsWith('src/')) {
      const source = base.getSourceFile(home);
      if (source) give(importsOf(source));
      const own = `./${home.split('/').at(-1)?.replace(/\.ts$/, '.js')}`;
      give(exportsOf(home).map((exported) => ({ ...exported, specifier: own })));
    }
    give(entryNames);
    give(xstateNames);
    const lines = given.map(({ name, imported, specifier, isType }) => {
      const binding = imported === undefined ? name : `${imported} as ${name}`;
      return `import ${isType ? 'type ' : ''}{ ${binding} } from '${specifier}';`;
    });
    const context = CONTEXT.split('\n').filter((line) => {
      const name = /declare (?:const|function) (\w+)/.exec(line)?.[1];
      return name !== undefined && contextNames.has(name) && !taken.has(name);
    });
    const values = [...freeReadNames(example.code)]
      .filter((name) => !taken.has(name) && !contextNames.has(name) && !globals.has(name))
      .map((name) => `declare let ${name}: any;`);
    const preamble = [...lines, ...context, ...values, 'export {};'];
    return {
      path: join(dirname(home), `__example_${index}.ts`),
      example,
      text: `${preamble.join('\n')}\n${example.code}\n`,
      preambleLines: preamble.length,
    };
  };
  const files = examples.map((example, index) => build(example, index));
  const virtual = new Map(files.map((file) => [file.path, file]));
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => virtual.get(file)?.text ?? readFile(file);
  host.fileExists = (file) => virtual.has(file) || fileExists(file);
  host.getSourceFile = (file, language, onError, shouldCreate) => {
    const found = virtual.get(file);
    return found
      ? ts.createSourceFile(file, found.text, language, true)
      : getSourceFile(file, language, onError, shouldCreate);
  };
  // An example may import a package its reader installs (an OpenTelemetry
  // exporter, say) that this repository does not: such a module is `any`.
  const missing = new Set<string>();
  for (const file of files) {
    const imports = ts.preProcessFile(file.example.code, true, true).importedFiles;
    for (const { fileName } of imports) {
      // Node's own modules are declared by @types/node, not found by resolution.
      if (fileName.startsWith('.') || isBuiltin(fileName)) continue;
      const resolved = ts.resolveModuleName(fileName, file.path, options, host).resolvedModule;
      if (resolved === undefined) missing.add(fileName);
    }
  }
  const modulesPath = join(repoRoot, '__example_modules.d.ts');
  virtual.set(modulesPath, {
    path: modulesPath,
    example: { file: '(packages an example installs)', line: 0, code: '' },
    text: [...missing].map((name) => `declare module '${name}';`).join('\n'),
    preambleLines: 0,
  });
  const program = ts.createProgram([...virtual.keys()], options, host, base);

  const problems: ExampleProblem[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file.path);
    if (!source) continue;
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const diagnostic of diagnostics) {
      const line =
        diagnostic.start === undefined
          ? 0
          : source.getLineAndCharacterOfPosition(diagnostic.start).line;
      problems.push({
        where: `${file.example.file}:${file.example.line + 1 + line - file.preambleLines}`,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      });
    }
  }
  return problems;
}
