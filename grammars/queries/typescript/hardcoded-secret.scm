; hardcoded-secret: candidate finders. Whether a name is a secret name, a value a credential, or
; a string a well-known key is decided in server/src/rules/hardcoded_secret.rs.

; A. (name, value) pairs whose value may be a static string.
(variable_declarator
  name: (identifier) @secret.name
  value: [(string) (template_string) (binary_expression) (parenthesized_expression)
          (as_expression) (satisfies_expression)] @secret.value) @secret.pair

(assignment_expression
  left: [
    (identifier) @secret.name
    (member_expression property: (property_identifier) @secret.name)
  ]
  right: [(string) (template_string) (binary_expression) (parenthesized_expression)
          (as_expression) (satisfies_expression)] @secret.value) @secret.pair

(pair
  key: [(property_identifier) (string)] @secret.name
  value: [(string) (template_string) (binary_expression) (parenthesized_expression)
          (as_expression) (satisfies_expression)] @secret.value) @secret.pair

(public_field_definition
  name: [(property_identifier) (private_property_identifier) (string)] @secret.name
  value: [(string) (template_string) (binary_expression) (parenthesized_expression)
          (as_expression) (satisfies_expression)] @secret.value) @secret.pair

(required_parameter
  pattern: (identifier) @secret.name
  value: [(string) (template_string) (binary_expression) (parenthesized_expression)]
    @secret.value) @secret.pair

(optional_parameter
  pattern: (identifier) @secret.name
  value: [(string) (template_string) (binary_expression) (parenthesized_expression)]
    @secret.value) @secret.pair

; B. Every string and comment may hold a well-known key (JSX attributes, which the TypeScript
; grammar lacks, are read from their string too).
[(string) (template_string)] @secret.string
(comment) @secret.comment

; C. Environment fallbacks: `process.env.X || 'lit'`, `?? 'lit'`.
(binary_expression
  left: [(member_expression) (subscript_expression) (call_expression)] @secret.env_read
  right: [(string) (template_string)] @secret.env_default) @secret.fallback

; ... and `const { X = 'lit' } = process.env`.
(variable_declarator
  name: (object_pattern
    (object_assignment_pattern
      left: (shorthand_property_identifier_pattern) @secret.env_name
      right: [(string) (template_string)] @secret.env_default))
  value: (member_expression) @secret.env_object) @secret.destructured_fallback
