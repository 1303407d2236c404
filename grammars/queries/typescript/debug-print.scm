; debug-print (RULES.md §4.2). Candidates only: the method list, rebinding of `console`, guards
; and script files are checked in `server/src/rules/debug_print.rs`.

; console.log(…), console?.log(…)
(call_expression
  function: (member_expression
    object: (identifier) @debug-print.console
    property: (property_identifier) @debug-print.method)
  (#eq? @debug-print.console "console")) @debug-print.call

; console['log'](…): the index must be a static string, checked in code.
(call_expression
  function: (subscript_expression
    object: (identifier) @debug-print.console
    index: (_) @debug-print.index)
  (#eq? @debug-print.console "console")) @debug-print.call

(debugger_statement) @debug-print.debugger
