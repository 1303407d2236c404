; request-without-timeout: every call is a candidate, because HTTP clients are often imported
; under other names (`import http from 'axios'`); the canonical callee decides in
; server/src/rules/request_without_timeout.rs.
(call_expression
  function: [(identifier) (member_expression)] @timeout.function
  arguments: (arguments) @timeout.args) @timeout.call
