; hardcoded-secret: candidate finders. Whether a name is a secret name, a value a credential, or
; a string a well-known key is decided in server/src/rules/hardcoded_secret.rs.

; A. (name, value) pairs whose value may be a static string.
(assignment
  left: [(identifier) (attribute) (subscript)] @secret.target
  right: [(string) (concatenated_string) (binary_operator) (parenthesized_expression)]
    @secret.value) @secret.pair

(keyword_argument
  name: (identifier) @secret.name
  value: [(string) (concatenated_string) (binary_operator) (parenthesized_expression)]
    @secret.value) @secret.pair

(pair
  key: [(string) (concatenated_string)] @secret.name
  value: [(string) (concatenated_string) (binary_operator) (parenthesized_expression)]
    @secret.value) @secret.pair

(default_parameter
  name: (identifier) @secret.name
  value: [(string) (concatenated_string) (binary_operator) (parenthesized_expression)]
    @secret.value) @secret.pair

(typed_default_parameter
  name: (identifier) @secret.name
  value: [(string) (concatenated_string) (binary_operator) (parenthesized_expression)]
    @secret.value) @secret.pair

; B. Every string and comment may hold a well-known key.
(string) @secret.string
(comment) @secret.comment

; C. Environment fallbacks: `os.getenv("X", "lit")`, `os.environ.get("X", "lit")`,
; `env("X", default="lit")`, `config("X", default="lit")`.
(call
  function: [(identifier) (attribute)] @secret.env_callee
  arguments: (argument_list) @secret.env_args
  (#match? @secret.env_callee "(getenv|get|pop|str|env|config)$")) @secret.env_call

; ... and `os.environ.get("X") or "lit"`.
(boolean_operator
  left: (call) @secret.env_read
  right: [(string) (concatenated_string)] @secret.env_default) @secret.fallback
