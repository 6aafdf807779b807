/** Every realtime suite that runs per database, in one list both runners (Node databases and D1 in workerd) call. */
import type { DbHarness } from "../resources/harness.js";
import { subscribeSuite } from "./subscribe.suite.js";
import { resumeEdgesSuite } from "./resume-edges.suite.js";
import { scopeRecheckSuite } from "./scope-recheck.suite.js";
import { outboxSuite } from "./outbox.suite.js";
import { aggregateSubscribeSuite } from "./aggregate-subscribe.suite.js";
import { multiplexSuite } from "./multiplex.suite.js";
import { writePathsSuite } from "./write-paths.suite.js";
import { knownSetSuite } from "./known-set.suite.js";

const SUITES = [subscribeSuite, resumeEdgesSuite, scopeRecheckSuite, outboxSuite, aggregateSubscribeSuite, multiplexSuite, writePathsSuite, knownSetSuite];

/** Registers the realtime suites for one database. */
export function realtimeSuites(getHarness: () => DbHarness): void {
  for (const suite of SUITES) suite(getHarness);
}
