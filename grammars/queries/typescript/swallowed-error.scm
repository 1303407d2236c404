; swallowed-error (RULES.md §4.4). Candidates only: whether the block or handler is empty (no
; statements, no comments) and how many arguments the call has are checked in
; `server/src/rules/swallowed_error.rs`.

; try { … } catch (e) {}
(catch_clause
  body: (statement_block) @swallowed-error.body) @swallowed-error.catch

; p.catch(() => {}), p.then(onOk, () => undefined), p.catch(noop)
(call_expression
  function: (member_expression
    property: (property_identifier) @swallowed-error.method)
  arguments: (arguments) @swallowed-error.arguments
  (#any-of? @swallowed-error.method "catch" "then")) @swallowed-error.call
