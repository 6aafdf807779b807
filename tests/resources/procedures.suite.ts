export function proceduresSuite(_getHarness: () => unknown) {}
