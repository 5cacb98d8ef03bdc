/**
 * A form built from an object schema, with the same value as raw JSON beside it for
 * what fields cannot express (nested objects, arrays). Each problem is shown next to
 * its field; invalid JSON next to the editor.
 */
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.js";
import { type FieldSchema, fieldKind, formFields, schemaProblems } from "./schema-check.js";

/** What a {@link SchemaForm} edits. */
export interface SchemaFormProps {
  /** Names the form's fields and labels, e.g. `input`. */
  name: string;
  /** The object schema the value must match. */
  schema: FieldSchema | undefined;
  /** The current value; `undefined` while the raw JSON does not parse. */
  value: unknown;
  /** Receives each new value; `undefined` while the raw JSON does not parse. */
  onChange(value: unknown): void;
}

/** A text field's text as the property's type: a number stays text when it is not one. */
function fromText(kind: string, text: string): unknown {
  if (text === "") return undefined;
  if ((kind === "integer" || kind === "number") && text.trim() !== "" && !Number.isNaN(+text)) {
    return Number(text);
  }
  return text;
}

const pretty = (value: unknown) => JSON.stringify(value ?? {}, null, 2);

/** The form and its raw JSON editor. */
export function SchemaForm({ name, schema, value, onChange }: SchemaFormProps) {
  const [text, setText] = useState(() => pretty(value));
  const [jsonError, setJsonError] = useState<string | undefined>();
  // The editor follows the fields; a value typed into it is left as typed.
  useEffect(() => {
    if (value === undefined) return;
    try {
      if (JSON.stringify(JSON.parse(text)) === JSON.stringify(value)) return;
    } catch {
      // The text was not JSON: the fields' value replaces it.
    }
    setText(pretty(value));
    setJsonError(undefined);
  }, [value]);

  const record =
    typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const problems = value === undefined ? {} : schemaProblems(schema, value);
  const setField = (field: string, fieldValue: unknown) => {
    const next = { ...record };
    if (fieldValue === undefined) delete next[field];
    else next[field] = fieldValue;
    onChange(next);
  };
  const onText = (typed: string) => {
    setText(typed);
    try {
      onChange(JSON.parse(typed));
      setJsonError(undefined);
    } catch (error) {
      setJsonError(`invalid JSON: ${(error as Error).message}`);
      onChange(undefined);
    }
  };

  const fields = formFields(schema).map(([field, fieldSchema]) => {
    const id = `${name}-${field}`;
    const kind = fieldKind(fieldSchema) as string;
    const current = record[field];
    const problem = problems[field];
    const required = schema?.required?.includes(field) === true;
    const describedBy = problem ? `${id}-error` : undefined;
    const control =
      kind === "boolean"
        ? html`<input id=${id} type="checkbox" checked=${current === true}
            onChange=${(e: Event) => setField(field, (e.target as HTMLInputElement).checked)} />`
        : fieldSchema.enum
          ? html`<select id=${id} value=${current === undefined ? "" : String(current)}
              onChange=${(e: Event) => {
                const picked = (e.target as HTMLSelectElement).value;
                setField(
                  field,
                  fieldSchema.enum?.find((v) => String(v) === picked),
                );
              }}>
              <option value="">(none)</option>
              ${fieldSchema.enum.map((v) => html`<option value=${String(v)}>${String(v)}</option>`)}
            </select>`
          : html`<input id=${id} type="text" inputmode=${kind === "string" ? "text" : "decimal"}
              value=${current === undefined ? "" : String(current)} aria-invalid=${problem ? "true" : "false"}
              aria-describedby=${describedBy}
              onInput=${(e: Event) => setField(field, fromText(kind, (e.target as HTMLInputElement).value))} />`;
    return html`<div class="field">
      <label for=${id}>${fieldSchema.title ?? field}${required ? " *" : ""}</label>
      ${control}
      ${fieldSchema.description ? html`<small>${fieldSchema.description}</small>` : null}
      ${problem ? html`<span class="error" id=${describedBy} role="alert">${field} ${problem}</span>` : null}
    </div>`;
  });

  const rawId = `${name}-json`;
  const whole = jsonError ?? problems[""];
  return html`<div class="schema-form">
    <fieldset class="fields">
      <legend>${name} fields</legend>
      ${fields.length > 0 ? fields : html`<p class="muted">No simple fields: use the JSON editor.</p>`}
    </fieldset>
    <div class="field raw">
      <label for=${rawId}>${name} as JSON</label>
      <textarea id=${rawId} rows="8" spellcheck="false" aria-invalid=${whole ? "true" : "false"}
        value=${text} onInput=${(e: Event) => onText((e.target as HTMLTextAreaElement).value)} />
      ${whole ? html`<span class="error" role="alert">${whole}</span>` : null}
    </div>
  </div>`;
}

/** True when `value` parses and the form finds nothing wrong with it. */
export function formIsValid(schema: FieldSchema | undefined, value: unknown): boolean {
  return value !== undefined && Object.keys(schemaProblems(schema, value)).length === 0;
}
