/**
 * Mutation tracking (spec 20 §12): `trackMutations`, `isTrackedDb` and their types.
 * @module
 */
export { trackMutations, isTrackedDb } from "./track-mutations.js";
export type { TrackedDb, TrackedDbMethods, TrackedMutation, TrackedTable, TrackMutationsOptions, RawSqlMutation } from "./types.js";
