import type { CompiledMapping, JsonSchema, MappingStore } from "./types.js";

/** A {@link MappingStore} that lives as long as the process; the default. */
export class InMemoryMappingStore implements MappingStore {
  private readonly mappings = new Map<string, CompiledMapping>();

  /** The mapping stored under `key`, if any. */
  get(key: string): CompiledMapping | undefined {
    return this.mappings.get(key);
  }

  /** Stores `mapping` under `key`, replacing what was there. */
  put(key: string, mapping: CompiledMapping): void {
    this.mappings.set(key, mapping);
  }

  /** How many mappings are stored. */
  get size(): number {
    return this.mappings.size;
  }
}

/** JSON with object keys sorted, so equal schemas hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Hex SHA-256 of the canonical JSON of a value (Web Crypto, so any runtime works). */
export async function schemaHash(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(value));
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The store key of a compiled mapping: the hashes of the reduced input and output schemas,
 * the output one taken together with the instructions, since they change what it means.
 */
export async function mappingKey(
  inputSchema: JsonSchema,
  outputSchema: JsonSchema,
  instructions: string | undefined,
): Promise<string> {
  const [input, output] = await Promise.all([
    schemaHash(inputSchema),
    schemaHash({ schema: outputSchema, instructions: instructions ?? "" }),
  ]);
  return `${input}:${output}`;
}
