; cors-wildcard: candidate finders. Each pattern captures one "kind" node (`@cors.<kind>`) that
; tells the rule which case it is; whether a candidate is really a permissive CORS configuration
; (bindings, origin values, credentials) is decided in server/src/rules/cors_wildcard.rs.

; `app.add_middleware(CORSMiddleware, ...)`.
(call
  function: (attribute
    attribute: (identifier) @cors.method)
  arguments: (argument_list) @cors.args
  (#eq? @cors.method "add_middleware")) @cors.add_middleware

; Calls that may be `Middleware(CORSMiddleware, ...)`, Flask-CORS `CORS(app, ...)` or
; `@cross_origin(...)` under any imported name: the callee's binding decides.
(call
  function: [(identifier) (attribute)] @cors.callee
  arguments: (argument_list) @cors.args) @cors.imported_call

; django-cors-headers settings, at module level only.
(module
  (expression_statement
    (assignment
      left: (identifier) @cors.setting
      right: (_) @cors.setting_value
      (#any-of? @cors.setting
        "CORS_ALLOW_ALL_ORIGINS" "CORS_ORIGIN_ALLOW_ALL"
        "CORS_ALLOWED_ORIGIN_REGEXES" "CORS_ORIGIN_REGEX_WHITELIST")) @cors.django_setting))

; `response.headers["Access-Control-Allow-Origin"] = "*"`.
(assignment
  left: (subscript
    subscript: (string) @cors.header_name)
  right: (_) @cors.header_value
  (#match? @cors.header_name "(?i)^[a-z]*.access-control-allow-origin.$")) @cors.header_assignment

; `{"Access-Control-Allow-Origin": "*"}`.
(pair
  key: (string) @cors.header_name
  value: (_) @cors.header_value
  (#match? @cors.header_name "(?i)^[a-z]*.access-control-allow-origin.$")) @cors.header_pair

; `response.headers.add("Access-Control-Allow-Origin", "*")` and `.set`/`.setdefault`/`.append`.
(call
  function: (attribute
    attribute: (identifier) @cors.method)
  arguments: (argument_list
    .
    (string) @cors.header_name
    .
    (_) @cors.header_value)
  (#any-of? @cors.method "add" "set" "setdefault" "append" "add_header")
  (#match? @cors.header_name "(?i)^[a-z]*.access-control-allow-origin.$")) @cors.header_call
