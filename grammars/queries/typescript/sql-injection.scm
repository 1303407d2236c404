; sql-injection (RULES.md §4.5). Candidate sinks by method name; the receiver (is it a database
; client?), the SQL text test and the dynamic-string analysis live in
; server/src/rules/sql_injection.rs.

; `pool.query(…)`, `prisma.$queryRawUnsafe(…)`, `knex.whereRaw(…)`, `qb.where(…)`, `db.run(…)`.
(call_expression
  function: (member_expression
    property: (property_identifier) @sql.method)
  arguments: (arguments) @sql.arguments
  (#any-of? @sql.method
    "query" "execute" "raw" "unsafe"
    "$queryRawUnsafe" "$executeRawUnsafe" "$queryRaw" "$executeRaw"
    "whereRaw" "orWhereRaw" "andWhereRaw" "havingRaw" "orHavingRaw" "orderByRaw" "groupByRaw"
    "joinRaw" "fromRaw" "literal"
    "exec" "prepare" "run" "all" "get" "each"
    "where" "andWhere" "orWhere" "having" "andHaving" "orHaving")) @sql.call

; `literal(…)` imported from sequelize.
(call_expression
  function: (identifier) @sql.method
  arguments: (arguments) @sql.arguments
  (#eq? @sql.method "literal")) @sql.call
