/**
 * Nested write-through on `POST /` (spec 10 §8.1, `nestedWrites: true`): belongsTo parents, the
 * main row and its hasMany/hasOne children are created together, all or nothing on every driver
 * (D1 included: one `db.batch()`, see batch/nested-plan.ts). The create handler delegates here
 * only when the body names a declared relation. After the commit every row written is published
 * as a `create` to its own table's resource (parents, main row, children), from the stored rows
 * the plan returns: no extra query.
 * @module
 */
import { getTableColumns, type Column } from "drizzle-orm";
import type { Context } from "hono";
import type { FieldError } from "../errors/problem.js";
import { readLimited } from "../util/read-limited.js";
import { linkStep, presetKey, runPlan, type PlanStep } from "./batch/nested-plan.js";
import { columnValues, requirePermission, throwIfInvalid, validateNamed } from "./batch/input.js";
import { inWriteUnit } from "./batch/write-unit.js";
import { resourceTarget, tableChange, tableTarget } from "./batch/changes.js";
import type { RelationConfig } from "./config.js";
import { hookContext } from "./hooks.js";
import type { BodyRules } from "./input.js";
import { columnKey } from "./model.js";
import type { ResourceRuntime } from "./runtime.js";

type Row = Record<string, unknown>;

/** A declared relation with its columns resolved to property keys, once, at startup. */
interface Link {
  name: string;
  relation: RelationConfig;
  columns: Record<string, Column>;
  /** belongsTo: the FK on the main table; hasOne/hasMany: the FK on the target table. */
  fk: string;
  /** belongsTo: the referenced key on the target; hasOne/hasMany: on the main table. */
  ref: string;
}

/** One nested row from the body, validated. */
interface NestedRow {
  link: Link;
  label: string;
  values: Row;
}

const isPlainObject = (value: unknown): value is Row => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The nested-create handler of a resource: returns a 201 response when the body names a declared
 * relation, `undefined` otherwise (the plain create pipeline then runs on the untouched body).
 */
export function nestedCreateHandler(rt: ResourceRuntime): (c: Context) => Promise<Response | undefined> {
  const links = resolveLinks(rt);
  const hooks = rt.config.hooks ?? {};
  return async (c) => {
    if (links.length === 0) return undefined;
    const body = await peekBody(c, rt.bodyLimit);
    if (!body || !links.some((link) => Object.hasOwn(body, link.name))) return undefined;
    await requirePermission(c, rt, "create");

    // Relation keys leave the body before validation, so strictInput never sees them.
    const main: Row = { ...body };
    const parents: NestedRow[] = [];
    const children: NestedRow[] = [];
    const errors: FieldError[] = [];
    const invalid: string[] = [];
    for (const link of links) {
      if (!Object.hasOwn(main, link.name)) continue;
      const value = main[link.name];
      delete main[link.name];
      for (const [label, row] of shapes(link, value)) {
        const input = { ...row };
        // A child always belongs to the new row, whatever FK it names.
        if (link.relation.type !== "belongsTo") delete input[link.fk];
        const rules = targetRules(rt, link, link.relation.type === "belongsTo" ? undefined : link.fk);
        const values = validateNamed(input, rules, label, errors, invalid);
        if (values) (link.relation.type === "belongsTo" ? parents : children).push({ link, label, values });
      }
    }
    // The FK of a nested parent is filled in by us, so it is not required in the body.
    const given = new Set(parents.map((p) => p.link.fk));
    const mainRules: BodyRules = { ...rt.createRules, required: new Set([...rt.createRules.required].filter((k) => !given.has(k))) };
    const mainValues = validateNamed(main, mainRules, "", errors, invalid);
    throwIfInvalid(errors, invalid);
    for (const nested of [...parents, ...children]) {
      const target = rt.registry.get(nested.link.relation.resource);
      if (target) await requirePermission(c, target, "create");
    }

    const optimisticId = c.req.header("x-covara-optimistic-id");
    const created = await inWriteUnit(rt, async (unit) => {
      const steps: PlanStep[] = parents.map((p) => ({ table: p.link.relation.schema, columns: p.link.columns, values: p.values, refs: {} }));
      const mainStep: PlanStep = { table: rt.model.table, columns: rt.model.columns, values: mainValues!, refs: {} };
      const mainIndex = steps.push(mainStep) - 1;
      const linkParents = () => parents.forEach((p, i) => linkStep(steps, mainStep, p.link.fk, { step: i, key: p.link.ref }));
      linkParents();
      const ctx = hookContext(c, unit.db, rt.model.table);
      mainStep.values = columnValues(rt, (await hooks.onBeforeCreate?.(ctx, mainStep.values)) ?? mainStep.values);
      linkParents();
      await rt.checkWriteScope(c, "create", () => rt.withDefaults(mainStep.values), unit.db);
      for (const child of children) {
        const step: PlanStep = { table: child.link.relation.schema, columns: child.link.columns, values: child.values, refs: {} };
        steps.push(step);
        presetKey(mainStep, child.link.ref);
        linkStep(steps, step, child.link.fk, { step: mainIndex, key: child.link.ref });
      }
      // Nested rows get the target's create scope (no hooks: spec 10 §12), judged on what is known before the insert.
      for (const [i, nested] of [...parents.map((p, i) => [i, p] as const), ...children.map((ch, i) => [mainIndex + 1 + i, ch] as const)]) {
        const target = rt.registry.get(nested.link.relation.resource);
        if (target) await target.checkWriteScope(c, "create", () => target.withDefaults(steps[i]!.values), unit.db);
      }
      const stored = await runPlan(unit, steps);
      stored.forEach((row, i) => {
        const target = i === mainIndex ? resourceTarget(rt) : tableTarget(rt, steps[i]!.table);
        const change = tableChange(target, c, "create", row, undefined);
        if (i === mainIndex && optimisticId) change.optimisticId = optimisticId;
        unit.publish(target, [change]);
      });
      await hooks.onAfterCreate?.(ctx, stored[mainIndex]!);
      return stored[mainIndex]!;
    });
    const response = rt.present(created);
    if (optimisticId) response._optimisticId = optimisticId;
    return c.json(response, 201);
  };
}

/** Declared relations that nested writes can fill (manyToMany keys are accepted and dropped). */
function resolveLinks(rt: ResourceRuntime): Link[] {
  if (!rt.config.nestedWrites) return [];
  return Object.entries(rt.config.relations ?? {}).map(([name, relation]) => {
    const columns = getTableColumns(relation.schema) as Record<string, Column>;
    const where = `relations.${name}`;
    if (relation.type === "manyToMany") return { name, relation, columns, fk: "", ref: "" };
    return relation.type === "belongsTo"
      ? { name, relation, columns, fk: columnKey(rt.model.columns, relation.foreignKey, `${where}.foreignKey`), ref: columnKey(columns, relation.references, `${where}.references`) }
      : { name, relation, columns, fk: columnKey(columns, relation.foreignKey, `${where}.foreignKey`), ref: columnKey(rt.model.columns, relation.references, `${where}.references`) };
  });
}

/** The rows a relation value stands for, with their error labels; other shapes are dropped. */
function shapes(link: Link, value: unknown): [string, Row][] {
  switch (link.relation.type) {
    case "belongsTo":
    case "hasOne":
      return isPlainObject(value) ? [[link.name, value]] : [];
    case "hasMany":
      if (isPlainObject(value)) return [[link.name, value]];
      if (!Array.isArray(value)) return [];
      return value.flatMap((row, i) => (isPlainObject(row) ? [[`${link.name}[${i}]`, row] as [string, Row]] : []));
    default:
      return [];
  }
}

/** The target resource's create rules when it is registered; otherwise rules from the table's columns. */
function targetRules(rt: ResourceRuntime, link: Link, filledKey: string | undefined): BodyRules {
  const target = rt.registry.get(link.relation.resource);
  const rules = target ? target.createRules : columnRules(link.columns, rt.model.dialect === "sqlite");
  if (!filledKey || !rules.required.has(filledKey)) return rules;
  return { ...rules, required: new Set([...rules.required].filter((k) => k !== filledKey)) };
}

function columnRules(columns: Record<string, Column>, sqlite: boolean): BodyRules {
  const keys = Object.keys(columns).filter((k) => !(columns[k] as Column & { generated?: unknown }).generated);
  const required = keys.filter((k) => {
    const column = columns[k]!;
    const rowid = column.primary && sqlite && column.dataType === "number";
    return column.notNull && !column.hasDefault && !rowid;
  });
  return { columns, required: new Set(required), writable: new Set(keys), strict: false };
}

/**
 * The JSON body without consuming it: with a Content-Length Hono caches the text for the create
 * handler; without one a clone is read, leaving the original stream to the handler. Anything
 * unreadable is left to the create handler, which answers it with the right problem.
 */
async function peekBody(c: Context, limit: number): Promise<Row | undefined> {
  try {
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > limit) return undefined;
    let text: string;
    if (declared > 0 || c.req.raw.bodyUsed) text = await c.req.text();
    else if (!c.req.raw.body) return undefined;
    else text = new TextDecoder().decode(await readLimited(c.req.raw.clone().body!, limit));
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

