const FENCED = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g;

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The first balanced `{...}` or `[...]` that parses, scanning strings correctly. */
function firstBalanced(text: string): { ok: true; value: unknown } | { ok: false } {
  for (let start = 0; start < text.length; start++) {
    const open = text[start];
    if (open !== "{" && open !== "[") continue;
    const stack: string[] = [];
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const char = text[i]!;
      if (inString) {
        if (char === "\\") i++;
        else if (char === '"') inString = false;
        continue;
      }
      if (char === '"') inString = true;
      else if (char === "{" || char === "[") stack.push(char === "{" ? "}" : "]");
      else if (char === "}" || char === "]") {
        if (stack.pop() !== char) break;
        if (stack.length === 0) {
          const parsed = tryParse(text.slice(start, i + 1));
          if (parsed.ok) return parsed;
          break;
        }
      }
    }
  }
  return { ok: false };
}

/**
 * Takes the JSON value out of a model's reply: the whole reply when it is JSON, else the
 * first fenced block (```json preferred) that parses, else the first balanced object or
 * array in the prose. `undefined` when there is none.
 */
export function extractJson(reply: string): unknown {
  const whole = tryParse(reply.trim());
  if (whole.ok) return whole.value;
  const blocks = [...reply.matchAll(FENCED)].map((m) => ({ lang: m[1] ?? "", body: m[2] ?? "" }));
  const ordered = [
    ...blocks.filter((b) => b.lang.toLowerCase() === "json"),
    ...blocks.filter((b) => b.lang.toLowerCase() !== "json"),
  ];
  for (const block of ordered) {
    const parsed = tryParse(block.body.trim());
    if (parsed.ok) return parsed.value;
  }
  const balanced = firstBalanced(reply);
  return balanced.ok ? balanced.value : undefined;
}

/** The text of a chat message's content, whether a string or a list of content parts. */
export function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => {
      if (typeof part === "string") return part;
      if (typeof part === "object" && part !== null && "text" in part) {
        return typeof part.text === "string" ? part.text : "";
      }
      return "";
    })
    .join("");
}
