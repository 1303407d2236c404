; debug-print (RULES.md §4.2). Candidates only: the canonical callee (import bindings), `file=`,
; rebinding of `print`, guards and script files are checked in `server/src/rules/debug_print.rs`.

; print(…), breakpoint(), and names imported from pprint/pdb (`from pdb import set_trace as st`).
(call
  function: (identifier) @debug-print.name) @debug-print.call

; pdb.set_trace(), pprint.pprint(…), through any alias of the module.
(call
  function: (attribute
    object: (identifier)
    attribute: (identifier) @debug-print.attribute)
  (#any-of? @debug-print.attribute "set_trace" "post_mortem" "pprint" "pp")) @debug-print.call
