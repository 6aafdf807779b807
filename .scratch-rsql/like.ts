import { parseRsql, toSql, toPredicate } from "../src/rsql/index.js";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { sqliteItems } from "../tests/rsql/backends.js";
import { getTableColumns } from "drizzle-orm";
const n = parseRsql('s%="Ab"')!;
console.log(new SQLiteSyncDialect().sqlToQuery(toSql(n, { dialect: "sqlite", columns: getTableColumns(sqliteItems) })));
