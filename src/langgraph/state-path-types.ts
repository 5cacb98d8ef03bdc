/**
 * Dot paths typed against a graph's state: the paths a state type has, the value at
 * one, and the checks that a node's zod types fit the state there. Where the state's
 * type is unknown, any string is a path.
 */
import type { z } from "zod";

/** Values a dot path does not go into. */
export type StatePathLeaf =
  | string
  | number
  | boolean
  | bigint
  | symbol
  | null
  | undefined
  | Date
  | RegExp;

/**
 * Every dot path of `S` (`"job"`, `"job.input"`, `"items.0.name"`), up to six levels;
 * any string below a value whose type is not known (`unknown`, `any`, a record of
 * string keys).
 */
export type StatePath<S, Depth extends unknown[] = []> = unknown extends S
  ? string
  : Depth["length"] extends 6
    ? string
    : StatePathsOf<NonNullable<S>, Depth>;

/** The dot paths of a state type known not to be nullish (see {@link StatePath}). */
export type StatePathsOf<S, Depth extends unknown[]> = S extends StatePathLeaf
  ? never
  : S extends readonly (infer E)[]
    ? `${number}` | `${number}.${StatePath<E, [...Depth, 1]>}`
    : string extends keyof S
      ? string
      : {
          [K in keyof S & string]:
            | K
            | (StatePath<S[K], [...Depth, 1]> extends infer P extends string
                ? [P] extends [never]
                  ? never
                  : `${K}.${P}`
                : never);
        }[keyof S & string];

/** The type of the value at dot path `P` of `S`; `unknown` where it cannot be told. */
export type StatePathValue<S, P extends string> = unknown extends S
  ? unknown
  : P extends `${infer K}.${infer Rest}`
    ? StatePathValue<StateChildOf<NonNullable<S>, K>, Rest>
    : StateChildOf<NonNullable<S>, P>;

/** The type under one key or index of a state type; `unknown` where there is none. */
export type StateChildOf<S, K extends string> = S extends readonly (infer E)[]
  ? K extends `${number}`
    ? E
    : unknown
  : K extends keyof S
    ? S[K]
    : unknown;

/**
 * The graph's state, for typing a node's paths: LangGraph's `Annotation.Root(...)`
 * (its `State` and `Update` types are read) or a zod schema of the state.
 */
export type GraphStateSchema<S = unknown, U = S> = { State: S; Update: U } | z.ZodType<S>;

/** The state type of a {@link GraphStateSchema}. */
export type StateOf<T> = T extends { State: infer S }
  ? S
  : T extends z.ZodType<infer S>
    ? S
    : unknown;

/** The update type of a {@link GraphStateSchema}: what a node may write. */
export type UpdateOf<T> = T extends { Update: infer U } ? U : StateOf<T>;

/** True when `T` says something (it is not `unknown` or `any`). */
export type IsKnownType<T> = unknown extends T ? false : true;

/** True when a value of `A` may be a `B` (one is assignable to the other). */
export type TypesOverlap<A, B> = [A] extends [B] ? true : [B] extends [A] ? true : false;

/**
 * `{}` when the node's types fit the state (or cannot be told); else an object naming
 * what does not fit, which the options then fail to match with a readable message.
 */
export type StateTypeChecks<
  T,
  IP extends string,
  OP extends string,
  I,
  O,
> = (IsKnownType<I> extends true
  ? IsKnownType<StatePathValue<StateOf<T>, IP>> extends true
    ? TypesOverlap<I, StatePathValue<StateOf<T>, IP>> extends true
      ? unknown
      : { inputType: "inputType contradicts the state's type at inputPath" }
    : unknown
  : unknown) &
  (IsKnownType<O> extends true
    ? IsKnownType<StatePathValue<UpdateOf<T>, OP>> extends true
      ? [O] extends [StatePathValue<UpdateOf<T>, OP>]
        ? unknown
        : { outputType: "outputType does not fit the state's type at outputPath" }
      : unknown
    : unknown);
