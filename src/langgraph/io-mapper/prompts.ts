/** The values a prompt template can place with `{input_schema}`-style placeholders. */
export interface PromptVariables {
  /** The reduced input schema, as indented JSON. */
  input_schema: string;
  /** The reduced output schema, as indented JSON. */
  output_schema: string;
  /** The input data, as indented JSON. */
  input_data: string;
  /** The caller's instructions, or a default sentence. */
  output_description: string;
}

/** Default system prompt for mapping data: JSON only, exactly the output schema. */
export const DEFAULT_SYSTEM_PROMPT = `You translate data between two software agents whose schemas differ.
You receive input data that follows an input JSON Schema and you produce output data that follows an output JSON Schema.
Answer with one JSON object only: no prose, no comments, no code fences.
The JSON object must follow the output JSON Schema exactly: use only its property names and nesting, respect its types, enums and required properties, and add nothing else.`;

/** Default user prompt for mapping data. */
export const DEFAULT_USER_PROMPT = `Input JSON Schema:
{input_schema}

Output JSON Schema:
{output_schema}

Instructions: {output_description}

Input data:
{input_data}

Reply with the output JSON object.`;

/** Default system prompt for compiled mode: the model writes a mapping, not the data. */
export const DEFAULT_COMPILE_SYSTEM_PROMPT = `You write deterministic data mappings between two software agents whose schemas differ.
Given an input JSON Schema, an output JSON Schema and sample input data, you produce a field mapping that will be applied by a program to every future input, with no model involved.
Answer with one JSON object only: no prose, no comments, no code fences.`;

/** Default user prompt for compiled mode. */
export const DEFAULT_COMPILE_USER_PROMPT = `Input JSON Schema:
{input_schema}

Output JSON Schema:
{output_schema}

Instructions: {output_description}

Sample input data:
{input_data}

Write a JSON object {"fieldMapping": {...}} whose keys are dot paths of the output (for example "a.b.c") and whose values are either a JSONPath string evaluated against the input data (for example "$.x.items[-1:].text"; a single match gives that value, several matches give a list) or {"value": <constant>} for a fixed value.
Together the keys must produce output data that follows the output JSON Schema.`;

/** Default instructions when the caller gives none. */
export const DEFAULT_OUTPUT_DESCRIPTION =
  "Fill every output field with the input data that means the same thing.";

/**
 * Fills `{input_schema}`, `{output_schema}`, `{input_data}` and `{output_description}` in
 * a template; other braces (JSON examples in a custom template) are left alone.
 */
export function renderPrompt(template: string, variables: PromptVariables): string {
  return template.replace(
    /\{(input_schema|output_schema|input_data|output_description)\}/g,
    (_, name: keyof PromptVariables) => variables[name],
  );
}

/** Prompt variables for one mapping call. */
export function promptVariables(
  inputSchema: unknown,
  outputSchema: unknown,
  inputData: unknown,
  outputDescription: string | undefined,
): PromptVariables {
  return {
    input_schema: JSON.stringify(inputSchema, null, 2),
    output_schema: JSON.stringify(outputSchema, null, 2),
    input_data: JSON.stringify(inputData ?? null, null, 2),
    output_description: outputDescription?.trim() || DEFAULT_OUTPUT_DESCRIPTION,
  };
}

/** The follow-up message after a reply that broke the schema (or held no JSON). */
export function retryPrompt(problem: string): string {
  return `Your previous reply could not be used: ${problem}
Reply again with one corrected JSON object only.`;
}
