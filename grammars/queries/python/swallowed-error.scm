; swallowed-error (RULES.md §4.4). Candidates only: the caught type, the block's statements,
; intent comments and the `contextlib.suppress` binding are checked in
; `server/src/rules/swallowed_error.rs`.

; except Exception: pass / except: continue / except* BaseException: ...
(except_clause) @swallowed-error.except

; with suppress(Exception): …  /  with contextlib.suppress(Exception) as _: …
(with_item
  value: [
    (call
      function: [(identifier) (attribute)] @swallowed-error.function
      arguments: (argument_list) @swallowed-error.arguments) @swallowed-error.suppress
    (as_pattern
      (call
        function: [(identifier) (attribute)] @swallowed-error.function
        arguments: (argument_list) @swallowed-error.arguments) @swallowed-error.suppress)
  ])
