; debug-mode: candidate finders; server/src/rules/debug_mode.rs decides with the file's imports.

; `process.env.NODE_ENV = 'development'`.
(assignment_expression
  left: [(member_expression) (subscript_expression)] @debug.node_env
  right: (_) @debug.value
  (#match? @debug.node_env "NODE_ENV")) @debug.node_env_assignment

; `app.use(errorhandler())`.
(call_expression
  function: (member_expression
    property: (property_identifier) @debug.method)
  arguments: (arguments
    (call_expression
      function: (identifier) @debug.handler) @debug.handler_call)
  (#eq? @debug.method "use")) @debug.use_call

; `app.set('env', 'development')`.
(call_expression
  function: (member_expression
    property: (property_identifier) @debug.method)
  arguments: (arguments
    .
    (string) @debug.setting
    .
    (string) @debug.value
    .)
  (#eq? @debug.method "set")) @debug.set_call
