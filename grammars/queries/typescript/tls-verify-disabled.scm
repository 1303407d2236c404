; tls-verify-disabled (RULES.md §4.6). Candidates only: the values (`false`, `'0'`, empty
; callbacks) are checked in server/src/rules/tls_verify_disabled.rs.

; `{ rejectUnauthorized: false }`, `{ strictSSL: false }`, `{ checkServerIdentity: () => {} }`,
; `{ NODE_TLS_REJECT_UNAUTHORIZED: '0' }` (quoted keys too).
(pair
  key: [(property_identifier) (string)] @tls.key
  value: (_) @tls.value
  (#match? @tls.key "^['\"]?(rejectUnauthorized|strictSSL|checkServerIdentity|NODE_TLS_REJECT_UNAUTHORIZED)['\"]?$")) @tls.pair

; `process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'`, `agent.options.rejectUnauthorized = false`.
(assignment_expression
  left: [
    (member_expression property: (property_identifier) @tls.key)
    (subscript_expression index: (string) @tls.key)
  ] @tls.target
  right: (_) @tls.value
  (#match? @tls.key "^['\"]?(rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED)['\"]?$")) @tls.assignment
