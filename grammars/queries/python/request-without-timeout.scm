; request-without-timeout: every call is a candidate, because HTTP helpers are often imported
; under other names (`from requests import get as fetch`); the canonical callee decides in
; server/src/rules/request_without_timeout.rs.
(call
  function: [(identifier) (attribute)] @timeout.function
  arguments: (argument_list) @timeout.args) @timeout.call
