/** Takes the JSON object out of a model's reply, fenced in ```json or bare. */
export function parseJsonReply(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = fenced?.[1] ?? text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1);
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`the model's reply is not JSON: ${text.slice(0, 200)}`);
  }
}
