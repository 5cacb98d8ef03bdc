/**
 * Servers built on generated models (the Python reference server: FastAPI +
 * pydantic) write `null` for every optional field they leave unset, where the
 * specification makes the field optional but not nullable. The client reads such a
 * `null` as the field being absent and removes the key, so a parsed value keeps the
 * specification's types (`url?: string`, never `null`). Fields the specification
 * declares nullable (`stream_mode`) keep their `null`; required fields stay
 * required; agent-defined data (`input`, `values`, `metadata`, ...) is never touched.
 *
 * Which keys may be dropped is read off the zod schema once and cached, so the walk
 * visits only the objects of the protocol's own models.
 */
import { z } from "zod";
import { isRecord } from "../core/json-guards.js";

/** Where in a value of one schema a `null` may stand for an absent field. */
type Plan =
  | {
      kind: "object";
      /** Optional, non-nullable keys. */
      droppable: readonly string[];
      /** Keys whose values hold objects of the protocol. */
      children: ReadonlyMap<string, Plan>;
    }
  | { kind: "array"; element: Plan }
  | { kind: "tagged"; key: string; branches: ReadonlyMap<unknown, Plan> };

const plans = new WeakMap<z.ZodType, Plan | null>();

/**
 * Removes, in place, the keys of `value` that `schema` makes optional (not
 * nullable) and that hold `null`, at any depth of the protocol's models. Returns
 * true when it removed one. `value` must be the caller's own (freshly parsed JSON).
 */
export function dropNullOptionals(schema: z.ZodType, value: unknown): boolean {
  const plan = planOf(schema);
  return plan ? apply(plan, value) : false;
}

function apply(plan: Plan, value: unknown): boolean {
  switch (plan.kind) {
    case "array": {
      if (!Array.isArray(value)) return false;
      let dropped = false;
      for (const item of value) dropped = apply(plan.element, item) || dropped;
      return dropped;
    }
    case "tagged": {
      if (!isRecord(value)) return false;
      const branch = plan.branches.get(value[plan.key]);
      return branch ? apply(branch, value) : false;
    }
    case "object": {
      if (!isRecord(value)) return false;
      let dropped = false;
      for (const key of plan.droppable) {
        if (value[key] === null && Object.hasOwn(value, key)) {
          delete value[key];
          dropped = true;
        }
      }
      for (const [key, child] of plan.children) {
        const inner = value[key];
        if (inner !== null && typeof inner === "object") dropped = apply(child, inner) || dropped;
      }
      return dropped;
    }
  }
}

function planOf(schema: z.ZodType): Plan | null {
  const known = plans.get(schema);
  if (known !== undefined) return known;
  // A placeholder first: a schema that contains itself must not recurse forever.
  plans.set(schema, null);
  const plan = build(schema);
  plans.set(schema, plan);
  return plan;
}

function build(schema: z.ZodType): Plan | null {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return objectPlan(inner);
  if (inner instanceof z.ZodArray) {
    const element = planOf(inner.element as z.ZodType);
    return element ? { kind: "array", element } : null;
  }
  if (inner instanceof z.ZodUnion) {
    const key = (inner.def as { discriminator?: string }).discriminator;
    return key ? taggedPlan(inner, key) : unionPlan(inner);
  }
  return null;
}

function objectPlan(schema: z.ZodObject): Plan | null {
  const droppable: string[] = [];
  const children = new Map<string, Plan>();
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    if (isDroppable(field)) droppable.push(key);
    const child = planOf(field);
    if (child) children.set(key, child);
  }
  return droppable.length > 0 || children.size > 0 ? { kind: "object", droppable, children } : null;
}

/** A discriminated union: the branch is chosen by its tag, as zod chooses it. */
function taggedPlan(schema: z.ZodUnion, key: string): Plan | null {
  const branches = new Map<unknown, Plan>();
  for (const option of schema.options as z.ZodType[]) {
    const branch = planOf(option);
    const tag =
      option instanceof z.ZodObject ? (option.shape as Record<string, z.ZodType>)[key] : undefined;
    if (!branch || !(tag instanceof z.ZodLiteral)) continue;
    for (const value of tag.values) branches.set(value, branch);
  }
  return branches.size > 0 ? { kind: "tagged", key, branches } : null;
}

/**
 * A plain union (the spec has one: a message's `content`, a string or a list of
 * blocks). A key is dropped only when every object branch that declares it makes it
 * optional and not nullable, so no branch loses a `null` it accepts. A union with a
 * branch that is neither a protocol object, a list of them nor a scalar (agent-defined
 * data) is left alone.
 */
function unionPlan(schema: z.ZodUnion): Plan | null {
  const objects: z.ZodObject[] = [];
  const lists: z.ZodArray[] = [];
  for (const option of (schema.options as z.ZodType[]).map(unwrap)) {
    if (option instanceof z.ZodObject) objects.push(option);
    else if (option instanceof z.ZodArray) lists.push(option);
    else if (!isScalar(option)) return null;
  }
  if (lists.length === 1 && objects.length === 0) return planOf(lists[0] as z.ZodArray);
  if (lists.length > 0 || objects.length === 0) return null;
  const declared = new Map<string, boolean>();
  for (const object of objects) {
    for (const [key, field] of Object.entries(object.shape as Record<string, z.ZodType>)) {
      declared.set(key, (declared.get(key) ?? true) && isDroppable(field));
    }
  }
  const droppable = [...declared].filter(([, ok]) => ok).map(([key]) => key);
  return droppable.length > 0 ? { kind: "object", droppable, children: new Map() } : null;
}

/** An optional field whose schema does not take `null` itself. */
function isDroppable(field: z.ZodType): boolean {
  return field instanceof z.ZodOptional && !field.safeParse(null).success;
}

function isScalar(schema: z.ZodType): boolean {
  return (
    schema instanceof z.ZodString ||
    schema instanceof z.ZodNumber ||
    schema instanceof z.ZodBoolean ||
    schema instanceof z.ZodLiteral ||
    schema instanceof z.ZodEnum
  );
}

/** The schema under `optional`/`nullable` wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}
