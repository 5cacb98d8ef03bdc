/**
 * The ACP OpenAPI document (version 0.2.3) this library implements: the
 * repository's copy of the official specification, `spec/acp-0.2.3/openapi.json`,
 * imported as JSON and so bundled into the package's build, so that per-agent
 * documents can be generated anywhere. Treat it as read-only: clone it before
 * changing anything.
 */
import openapi from "../../spec/acp-0.2.3/openapi.json" with { type: "json" };

/** The ACP 0.2.3 OpenAPI document, as the specification's repository has it. */
export const acpSpec: Readonly<Record<string, unknown>> = openapi;
