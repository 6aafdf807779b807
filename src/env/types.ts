/**
 * Types of typed environment variables (spec 60 §1–3): a schema is a nested object whose leaves
 * are Zod schemas (anything with `safeParse`, so `src/` needs no Zod at runtime) or
 * `envVariable()` results; the parsed and public types follow the same rules as the runtime.
 * @module
 */

/** The one method of a Zod schema that `createEnv` uses. */
export interface SafeParseSchema<Out = unknown> {
  safeParse(input: unknown): { success: true; data: Out } | { success: false; error: unknown };
}

/** Brand of `envVariable()` results. */
export const ENV_VARIABLE: unique symbol = Symbol.for("covara.envVariable");

/** A value parsed by `envVariable(source, schema, { public })`. */
export interface EnvVariable<T = unknown, P extends boolean = boolean> {
  readonly [ENV_VARIABLE]: true;
  readonly value: T;
  readonly public: P;
}

/** A `createEnv` schema. */
export interface EnvSchema {
  [key: string]: SafeParseSchema | EnvVariable<unknown, boolean> | EnvSchema;
}

/** The output type of a schema leaf (Zod's `_output`, else what `safeParse` yields). */
export type SchemaOutput<S> = S extends { _output: infer O } ? O : S extends SafeParseSchema<infer O> ? O : unknown;

type Value<S> = S extends EnvVariable<infer T, boolean> ? T : S extends SafeParseSchema ? SchemaOutput<S> : S extends EnvSchema ? ParsedEnv<S> : never;

/** The parsed values of a schema, with its nesting. */
export type ParsedEnv<S extends EnvSchema> = { readonly [K in keyof S]: Value<S[K]> };

type Join<P extends string, K extends string> = P extends "" ? K : `${P}_${K}`;

type IsPublic<V, Path extends string> =
  V extends EnvVariable<unknown, infer P>
    ? [P] extends [true]
      ? true
      : false
    : V extends SafeParseSchema
      ? Path extends `PUBLIC_${string}`
        ? true
        : false
      : V extends EnvSchema
        ? keyof PublicEnv<V, Path> extends never
          ? false
          : true
        : false;

type PublicValue<V, Path extends string> = V extends EnvVariable<infer T, boolean> ? T : V extends SafeParseSchema ? SchemaOutput<V> : V extends EnvSchema ? PublicEnv<V, Path> : never;

/**
 * The public subset (spec 60 §3): Zod leaves whose underscore-joined path starts with `PUBLIC_`,
 * and `envVariable(..., { public: true })` leaves; nesting kept, objects without public leaves dropped.
 */
export type PublicEnv<S, Path extends string = ""> = {
  readonly [K in keyof S & string as IsPublic<S[K], Join<Path, K>> extends true ? K : never]: PublicValue<S[K], Join<Path, K>>;
};

/** What `createEnv` returns: the parsed values plus the public subset. */
export type Env<S extends EnvSchema> = ParsedEnv<S> & {
  /** The public subset, computed once at creation. */
  getPublicEnvironmentVariables(): PublicEnv<S>;
};
