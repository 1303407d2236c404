; sql-injection (RULES.md §4.5). Candidate sinks by name; bindings, receivers, the SQL text test
; and the dynamic-string analysis live in server/src/rules/sql_injection.rs.

; `cursor.execute(…)`, `conn.fetch(…)`, `User.objects.raw(…)`, `qs.extra(…)`, `sa.text(…)`,
; `pd.read_sql(…)`.
(call
  function: (attribute
    attribute: (identifier) @sql.method)
  arguments: (argument_list) @sql.arguments
  (#any-of? @sql.method
    "execute" "executemany" "executescript" "mogrify" "fetch" "fetchrow" "fetchval"
    "raw" "extra" "RawSQL" "text" "read_sql" "read_sql_query")) @sql.call

; `text(…)`, `RawSQL(…)`, `read_sql(…)` under an imported name (aliases included: the binding
; decides).
(call
  function: (identifier) @sql.function
  arguments: (argument_list) @sql.arguments) @sql.call
