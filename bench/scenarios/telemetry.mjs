/**
 * Scenario: what telemetry costs session churn (create → done, as in
 * churn.mjs), two rows measured in one run:
 *
 * - idle: the `telemetryChannels` with nobody subscribed, against the same
 *   build with the telemetry module compiled out (a copy of `dist/` whose
 *   `telemetry/index.js` keeps the catalog but whose every publish function
 *   does nothing: each call site then costs one call of an empty function);
 * - OpenTelemetry: `instrumentOpenTelemetry` with the real SDK (a tracer
 *   provider with a batch span processor into an in-memory exporter, a
 *   meter provider with a periodic reader into an in-memory exporter),
 *   against the same build uninstrumented.
 *   The instrumentation is subscribed only while its task runs, so the
 *   baseline runs with nobody listening.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { dist } from '../lib/library.mjs';
import { finishingChild, sessionSpec } from '../lib/machines.mjs';
import { microseconds, size } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

/** Publish functions as the call sites use them, doing nothing (or only the work they wrap). */
const COMPILED_OUT = `export { channels, publish, telemetryChannels } from './channels.js';
export function publishSessionStart() { return undefined; }
export function publishSessionEnd() {}
export function publishSessionResume() {}
export function observeSessionChildren() {}
export function observeAppend(store, record) { return store.append(record); }
export function publishClusterLease() {}
export function publishClusterFailover() {}
export function requestHeaders() { return undefined; }
export function traceServe(_sessionId, _hostId, _operation, _headers, serve) { return serve(); }
`;

/** A copy of the build with the telemetry compiled out; inside the repository, where `xstate` resolves. */
async function buildWithoutTelemetry() {
  const target = fileURLToPath(new URL('../.exp/dist-without-telemetry/', import.meta.url));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(fileURLToPath(dist), target, { recursive: true });
  writeFileSync(`${target}telemetry/index.js`, COMPILED_OUT);
  const real = Object.keys(await import(new URL('telemetry/index.js', dist).href)).sort();
  const stub = await import(`${target}telemetry/index.js`);
  const missing = real.filter((name) => !(name in stub));
  if (missing.length > 0) throw new Error(`the compiled-out telemetry lacks ${missing.join(', ')}`);
  return import(`${target}index.js`);
}

function churn(manager) {
  const spec = sessionSpec(finishingChild, { significant: true });
  return async () => {
    const session = manager.createSession(spec);
    manager.getChild(session.id, 'work').send({ type: 'finish' });
    const record = await session.done;
    if (record.outcome !== 'completed') throw new Error(`session ended ${record.outcome}`);
  };
}

/**
 * The SDK as a service runs it: spans go through a batch processor (what
 * the Node SDK uses with any exporter), here exporting every 100 ms into
 * memory, with a queue large enough that no span is dropped.
 */
function otelSdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(spans, {
        scheduledDelayMillis: 100,
        maxQueueSize: 65_536,
        maxExportBatchSize: 4096,
      }),
    ],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 1000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { spans, tracerProvider, meterProvider };
}

export async function run() {
  const ours = await import(new URL('index.js', dist).href);
  const { instrumentOpenTelemetry } = await import(new URL('otel/index.js', dist).href);
  const without = await buildWithoutTelemetry();

  const idle = await ours.createSessionManager();
  const compiledOut = await without.createSessionManager();
  // The difference sought is a few getter calls per session, far below the
  // noise of one short run: more rounds, interleaved, and their median.
  const idleUs = await microseconds(
    { idle: churn(idle), compiledOut: churn(compiledOut) },
    { time: size(9000, 2700), rounds: 15 },
  );

  const plain = await ours.createSessionManager();
  const traced = await ours.createSessionManager();
  const sdk = otelSdk();
  let uninstrument = () => {};
  let tracedSessions = 0;
  let exportedSpans = 0;
  const tracedRun = churn(traced);
  const otelUs = await microseconds({
    plain: churn(plain),
    otel: {
      run: async () => {
        await tracedRun();
        tracedSessions += 1;
        // The exporter keeps every span: emptied as it goes, as a real exporter sends them on.
        const finished = sdk.spans.getFinishedSpans().length;
        if (finished > 4096) {
          exportedSpans += finished;
          sdk.spans.reset();
        }
      },
      before: () => {
        uninstrument = instrumentOpenTelemetry(sdk);
      },
      after: () => uninstrument(),
    },
  });
  await Promise.all([idle, compiledOut, plain, traced].map((manager) => manager.stop()));
  await sdk.tracerProvider.forceFlush();
  exportedSpans += sdk.spans.getFinishedSpans().length;
  // A session of one child is two spans: anything else means the instrumentation did not run.
  const spansPerSession = exportedSpans / tracedSessions;
  if (!(spansPerSession > 1.9 && spansPerSession <= 2)) {
    throw new Error(`expected 2 spans per traced session, got ${spansPerSession}`);
  }
  await sdk.tracerProvider.shutdown();
  await sdk.meterProvider.shutdown();
  return [
    row({
      scenario: 'session churn, telemetry idle (no subscriber)',
      ours: idleUs.idle,
      baseline: idleUs.compiledOut,
      unit: 'µs/session',
      baselineName: 'the same build with the telemetry module compiled out',
      target: { ratioMax: 1.02 },
    }),
    row({
      scenario: 'session churn, OpenTelemetry SDK (in-memory exporter)',
      ours: otelUs.otel,
      baseline: otelUs.plain,
      unit: 'µs/session',
      baselineName: 'the same build, not instrumented',
      target: { ratioMax: 1.15 },
      details: { spansPerSession },
    }),
  ];
}
