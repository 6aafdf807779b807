/** Passwords and policy on Node (the same suite runs in workerd: tests/workerd/auth-primitives.test.ts). */
import { passwordsSuite } from "./passwords.suite.js";

passwordsSuite({ canTime: true });
