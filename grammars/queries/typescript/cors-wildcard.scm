; cors-wildcard: candidate finders. Each pattern captures one "kind" node (`@cors.<kind>`) that
; tells the rule which case it is; whether a candidate is really a permissive CORS configuration
; (bindings, origin values, credentials) is decided in server/src/rules/cors_wildcard.rs.

; `cors(...)` under any local name, and `require('cors')(...)`: is the callee the cors package?
(call_expression
  function: [(identifier) (call_expression)] @cors.factory
  arguments: (arguments) @cors.args) @cors.package_call

; NestJS `app.enableCors(...)`.
(call_expression
  function: (member_expression
    property: (property_identifier) @cors.method)
  arguments: (arguments) @cors.args
  (#eq? @cors.method "enableCors")) @cors.enable_call

; NestJS `NestFactory.create(AppModule, { cors: ... })`. With type arguments,
; `await NestFactory.create<App>(...)` parses as a call of `(await NestFactory.create)`.
(call_expression
  function: [
    (member_expression
      object: (identifier) @cors.factory_class
      property: (property_identifier) @cors.method)
    (await_expression
      (member_expression
        object: (identifier) @cors.factory_class
        property: (property_identifier) @cors.method))
  ]
  arguments: (arguments) @cors.args
  (#eq? @cors.factory_class "NestFactory")
  (#eq? @cors.method "create")) @cors.nest_create

; Fastify `app.register(cors, { ... })`: is the plugin @fastify/cors?
(call_expression
  function: (member_expression
    property: (property_identifier) @cors.method)
  arguments: (arguments
    .
    [(identifier) (call_expression) (await_expression)] @cors.plugin)
  (#eq? @cors.method "register")) @cors.register_call

; `res.setHeader('Access-Control-Allow-Origin', '*')` and its `.header`/`.set`/`.append` kin.
(call_expression
  function: (member_expression
    property: (property_identifier) @cors.method)
  arguments: (arguments
    .
    [(string) (template_string)] @cors.header_name
    .
    (_) @cors.header_value)
  (#any-of? @cors.method "setHeader" "header" "set" "append")
  (#match? @cors.header_name "(?i)^.access-control-allow-origin.$")) @cors.header_call

; `{ 'Access-Control-Allow-Origin': '*' }` in `res.set({...})`, `writeHead`, `new Headers({...})`, ...
(pair
  key: (string) @cors.header_name
  value: (_) @cors.header_value
  (#match? @cors.header_name "(?i)^.access-control-allow-origin.$")) @cors.header_pair

; NestJS `@Header('Access-Control-Allow-Origin', '*')` on a route handler.
(decorator
  (call_expression
    function: (identifier) @cors.decorator_name
    arguments: (arguments) @cors.args)
  (#eq? @cors.decorator_name "Header")) @cors.header_decorator

; Options declared apart from the call: `const corsOptions: CorsOptions = { ... }`.
(variable_declarator
  type: (type_annotation
    [(type_identifier) (nested_type_identifier)] @cors.options_type)
  value: (object) @cors.typed_options
  (#match? @cors.options_type "(^|\\.)Cors(Options|Config)$"))

; ... and `const corsOptions = { ... } satisfies CorsOptions`.
(variable_declarator
  value: (satisfies_expression
    (object) @cors.typed_options
    [(type_identifier) (nested_type_identifier)] @cors.options_type)
  (#match? @cors.options_type "(^|\\.)Cors(Options|Config)$"))
