/**
 * The real OpenTelemetry SDK, wired to in-memory exporters, for the
 * `xstate-otp/otel` tests.
 *
 * ```ts
 * const otel = startOtel();                  // also sets the global context manager (AsyncLocalStorage)
 * const uninstrument = instrumentOpenTelemetry(otel.providers);
 * otel.spans();                              // finished spans
 * await otel.metric('xstate_otp.sessions.ended'); // its data points, collected now
 * await otel.shutdown();
 * ```
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface DataPoint {
  attributes: Record<string, unknown>;
  value: number | { count: number; sum?: number };
}

export function startOtel() {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    // Exported on demand (forceFlush), never on a timer during a test.
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    providers: { tracerProvider, meterProvider },
    spans: (): ReadableSpan[] => spanExporter.getFinishedSpans(),
    span(name: string): ReadableSpan {
      const found = spanExporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) throw new Error(`expected one span "${name}", got ${found.length}`);
      return found[0]!;
    },
    /** The data points of one metric as collected now; `undefined` when it has none. */
    async metric(name: string): Promise<DataPoint[] | undefined> {
      metricExporter.reset();
      await reader.forceFlush();
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            if (metric.descriptor.name !== name) continue;
            return metric.dataPoints.map((point) => ({
              attributes: { ...point.attributes },
              value: point.value as DataPoint['value'],
            }));
          }
        }
      }
      return undefined;
    },
    /** Every metric name collected now, with its unit. */
    async metricNames(): Promise<Record<string, string>> {
      metricExporter.reset();
      await reader.forceFlush();
      const names: Record<string, string> = {};
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics)
            names[metric.descriptor.name] = metric.descriptor.unit;
        }
      }
      return names;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      context.disable();
      contextManager.disable();
    },
  };
}
