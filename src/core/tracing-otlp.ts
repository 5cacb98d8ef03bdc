/**
 * Exporting spans over OTLP/HTTP with the OpenTelemetry SDK, for a process of its own
 * (`acp serve`): a tracer provider with the W3C propagators and an async-hooks context
 * manager, registered globally, batching spans to the endpoint. The SDK packages are
 * optional peers, loaded only here.
 */
import { OpenApiException } from "./errors.js";

/** Where and as what spans are exported. */
export interface OtlpExportOptions {
  /**
   * The URL spans are posted to (a collector's `http://host:4318/v1/traces`). When
   * absent the exporter reads `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
   * `OTEL_EXPORTER_OTLP_ENDPOINT` itself; it reads `OTEL_EXPORTER_OTLP_HEADERS` always.
   */
  tracesUrl?: string | undefined;
  /** `service.name` of the spans. */
  serviceName: string;
}

/** A running export: flush and stop it before the process ends. */
export interface OtlpExport {
  /** Sends what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/** The packages an export loads, named when one is missing. */
const sdkPackages =
  "@opentelemetry/api @opentelemetry/sdk-trace-node @opentelemetry/exporter-trace-otlp-http @opentelemetry/resources @opentelemetry/semantic-conventions";

/**
 * Registers a global tracer provider that exports spans over OTLP/HTTP (JSON), with
 * W3C trace context and baggage propagation.
 */
export async function startOtlpExport(options: OtlpExportOptions): Promise<OtlpExport> {
  let modules: [
    typeof import("@opentelemetry/sdk-trace-node"),
    typeof import("@opentelemetry/exporter-trace-otlp-http"),
    typeof import("@opentelemetry/resources"),
    typeof import("@opentelemetry/semantic-conventions"),
  ];
  try {
    modules = await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
      import("@opentelemetry/semantic-conventions"),
    ]);
  } catch (error) {
    throw new OpenApiException(
      `exporting spans needs the OpenTelemetry SDK: npm install ${sdkPackages}`,
      {
        cause: error,
      },
    );
  }
  const [sdk, otlp, resources, semconv] = modules;
  const url = options.tracesUrl;
  const exporter = new otlp.OTLPTraceExporter(url ? { url } : {});
  const resource = resources.resourceFromAttributes({
    [semconv.ATTR_SERVICE_NAME]: options.serviceName,
  });
  const provider = new sdk.NodeTracerProvider({
    resource,
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
