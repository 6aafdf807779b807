/** TOTP and backup codes on Node (the same suite runs in workerd: tests/workerd/auth-primitives.test.ts). */
import { totpSuite } from "./totp.suite.js";

totpSuite();
