; debug-mode: candidate finders; server/src/rules/debug_mode.rs decides with the file's imports,
; its path and the callee.

; `app.run(debug=True)`, `FastAPI(debug=True)`, `run_simple(..., use_debugger=True)`,
; `app.config.update(DEBUG=True)`.
(call
  function: [(identifier) (attribute)] @debug.function
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @debug.keyword_name
      value: (true) @debug.value) @debug.keyword)
  (#any-of? @debug.keyword_name "debug" "use_debugger" "DEBUG")) @debug.call

; `app.debug = True`.
(assignment
  left: (attribute
    attribute: (identifier) @debug.attribute)
  right: (true) @debug.value
  (#eq? @debug.attribute "debug")) @debug.attribute_assignment

; `app.config["DEBUG"] = True`.
(assignment
  left: (subscript
    value: (attribute
      attribute: (identifier) @debug.config)
    subscript: (string) @debug.key)
  right: (true) @debug.value
  (#eq? @debug.config "config")) @debug.config_assignment

; Django `DEBUG = True` at module level.
(module
  (expression_statement
    (assignment
      left: (identifier) @debug.setting
      right: (true) @debug.value
      (#eq? @debug.setting "DEBUG")) @debug.django))

; Environment reads of a debug switch with a default: `os.getenv("DEBUG", "True")`.
(call
  function: [(identifier) (attribute)] @debug.env_function
  arguments: (argument_list
    .
    (string) @debug.env_name)
  (#match? @debug.env_name "(?i)debug")) @debug.env_call
