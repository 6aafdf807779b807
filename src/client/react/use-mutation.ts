/**
 * `useMutation` (spec 80 §7.2): a write with its own loading/success/error state, that
 * invalidates cached queries when it succeeds. Either a resource path (create, update, replace,
 * delete by `kind`) or a custom async function that receives the resource and `invalidate`.
 * @module
 */
import { useCallback, useMemo, useRef, useState } from "react";
import { getClient, type CovaraClient } from "../client.js";
import type { InvalidateTarget } from "../query-cache.js";
import type { Id, Row } from "../resource-types.js";
import type { ResourceClient } from "../resource.js";

/** The variables of a path mutation. */
export type MutationVars<T> =
  | { kind: "create"; data: Partial<T> }
  | { kind: "update"; id: Id; data: Partial<T> }
  | { kind: "replace"; id: Id; data: Partial<T> }
  | { kind: "delete"; id: Id };

/** What a custom mutation function receives besides its variables. */
export interface MutationContext<T extends Row> {
  /** The resource named by the `resource` option (absent without one). */
  resource: ResourceClient<T>;
  invalidate: (target: InvalidateTarget) => number;
  client: CovaraClient;
}

/** Options of `useMutation`. */
export interface UseMutationOptions<D, V> {
  /** Refetched after a success: path prefixes or predicates. */
  invalidates?: InvalidateTarget | readonly InvalidateTarget[];
  onSuccess?: (data: D, vars: V) => void;
  onError?: (error: unknown, vars: V) => void;
  onSettled?: (data: D | undefined, error: unknown, vars: V) => void;
  /** The resource path a custom mutation function works on. */
  resource?: string;
}

/** What `useMutation` returns. */
export interface UseMutationResult<D, V> {
  /** Runs the mutation; failures are reported through the state and `onError`, never thrown. */
  mutate: (vars: V) => void;
  /** Runs the mutation; resolves with its result, rejects with its error. */
  mutateAsync: (vars: V) => Promise<D>;
  status: "idle" | "loading" | "success" | "error";
  isLoading: boolean;
  isSuccess: boolean;
  isError: boolean;
  error: unknown;
  data: D | undefined;
  /** Back to `idle`. */
  reset: () => void;
}

type Run<D, V, T extends Row> = (vars: V, context: MutationContext<T>) => Promise<D>;

/** The built-in path mutation. */
async function runPath<T extends Row>(vars: MutationVars<T>, { resource }: MutationContext<T>): Promise<T | undefined> {
  switch (vars.kind) {
    case "create":
      return resource.create(vars.data);
    case "update":
      return resource.update(vars.id, vars.data);
    case "replace":
      return resource.replace(vars.id, vars.data);
    case "delete":
      await resource.delete(vars.id);
      return undefined;
  }
}

/**
 * A mutation with its state.
 * @example
 * const { mutate, isLoading } = useMutation<Todo>("/api/todos", { invalidates: "/api/stats" });
 * mutate({ kind: "update", id: todo.id, data: { done: true } });
 * @example
 * const publish = useMutation(async (id: string, { resource }) => resource.rpc("publish", { id }), { resource: "/api/posts" });
 */
export function useMutation<T extends Row>(path: string, options?: UseMutationOptions<T | undefined, MutationVars<T>>): UseMutationResult<T | undefined, MutationVars<T>>;
export function useMutation<D, V, T extends Row = Row & Record<string, unknown>>(fn: Run<D, V, T>, options?: UseMutationOptions<D, V>): UseMutationResult<D, V>;
export function useMutation<D, V, T extends Row>(target: string | Run<D, V, T>, options: UseMutationOptions<D, V> = {}): UseMutationResult<D, V> {
  const [state, setState] = useState<{ status: UseMutationResult<D, V>["status"]; data: D | undefined; error: unknown }>({ status: "idle", data: undefined, error: null });
  const latest = useRef({ target, options });
  latest.current = { target, options };
  const calls = useRef(0);

  const mutateAsync = useCallback(async (vars: V): Promise<D> => {
    const { target: current, options: opts } = latest.current;
    const client = getClient();
    const path = typeof current === "string" ? current : opts.resource;
    const context: MutationContext<T> = {
      resource: (path ? client.resource<T>(path) : undefined) as ResourceClient<T>,
      invalidate: (t) => client.invalidate(t),
      client,
    };
    const run = (typeof current === "string" ? runPath : current) as Run<D, V, T>;
    const call = ++calls.current;
    // Only the latest call moves the state: an older one finishing late must not overwrite it.
    const settle = (next: typeof state) => call === calls.current && setState(next);
    settle({ status: "loading", data: undefined, error: null });
    let data: D;
    try {
      data = await run(vars, context);
    } catch (error) {
      settle({ status: "error", data: undefined, error });
      opts.onError?.(error, vars);
      opts.onSettled?.(undefined, error, vars);
      throw error;
    }
    const targets = opts.invalidates === undefined ? [] : Array.isArray(opts.invalidates) ? opts.invalidates : [opts.invalidates as InvalidateTarget];
    for (const t of targets) client.invalidate(t);
    settle({ status: "success", data, error: null });
    opts.onSuccess?.(data, vars);
    opts.onSettled?.(data, null, vars);
    return data;
  }, []);

  const mutate = useCallback((vars: V) => void mutateAsync(vars).catch(() => undefined), [mutateAsync]);
  const reset = useCallback(() => {
    calls.current++;
    setState({ status: "idle", data: undefined, error: null });
  }, []);

  return useMemo(
    () => ({
      mutate,
      mutateAsync,
      reset,
      ...state,
      isLoading: state.status === "loading",
      isSuccess: state.status === "success",
      isError: state.status === "error",
    }),
    [mutate, mutateAsync, reset, state],
  );
}
