import { OpenApiException, renderPath } from "../../core/errors.js";
import { pointerPath } from "../../core/json-schema.js";

/**
 * Base class of every error the I/O mapper raises, so callers can catch them as
 * one; an `OpenApiException` like every other error of the library.
 */
export class IOMapperError extends OpenApiException {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IOMapperError";
  }
}

/** The mapper's metadata is unusable: missing fields, bad paths, a mapping for no output. */
export class IOMapperConfigError extends IOMapperError {
  /** What is wrong, without the mapper's name. */
  readonly detail: string;

  constructor(detail: string, options?: ErrorOptions & { mapperName?: string }) {
    const who = options?.mapperName ? ` of "${options.mapperName}"` : "";
    super(`I/O mapper configuration${who}: ${detail}`, options);
    this.name = "IOMapperConfigError";
    this.detail = detail;
  }
}

/** No chat model was passed to the mapper nor found in `config.configurable.llm`. */
export class IOMapperMissingLLMError extends IOMapperError {
  constructor(mapperName: string) {
    super(
      `I/O mapper "${mapperName}" needs a chat model: pass one to the mapper or set config.configurable.llm`,
    );
    this.name = "IOMapperMissingLLMError";
  }
}

/** One JSON Schema violation, with the JSON pointer of the offending value. */
export interface SchemaViolation {
  /** JSON pointer into the validated value ("" is the value itself). */
  instancePath: string;
  /** What the schema expected there. */
  message: string;
}

/**
 * Renders violations with the library's field paths, as
 * `"a.b must be string; (root) must have required property 'c'"`.
 */
export function formatViolations(violations: readonly SchemaViolation[]): string {
  return violations
    .map((v) => `${renderPath(pointerPath(v.instancePath)) || "(root)"} ${v.message}`)
    .join("; ");
}

/** Data did not follow its schema: the mapper's input, or the output it produced. */
export class IOMapperValidationError extends IOMapperError {
  /** Which side of the mapping failed. */
  readonly where: "input" | "output";
  /** Every violation found. */
  readonly violations: SchemaViolation[];

  constructor(
    mapperName: string,
    where: "input" | "output",
    violations: SchemaViolation[],
    detail?: string,
  ) {
    const listed = formatViolations(violations);
    super(
      `I/O mapper "${mapperName}": ${where} does not follow its schema: ${listed}${detail ? ` (${detail})` : ""}`,
    );
    this.name = "IOMapperValidationError";
    this.where = where;
    this.violations = violations;
  }
}

/** The model's reply held no JSON object that could be parsed. */
export class IOMapperResponseError extends IOMapperError {
  /** The start of the reply, for diagnosis. */
  readonly replyExcerpt: string;

  constructor(mapperName: string, reason: string, reply: string) {
    const excerpt = reply.length > 500 ? `${reply.slice(0, 500)}…` : reply;
    super(`I/O mapper "${mapperName}": ${reason}; reply was: ${JSON.stringify(excerpt)}`);
    this.name = "IOMapperResponseError";
    this.replyExcerpt = excerpt;
  }
}
