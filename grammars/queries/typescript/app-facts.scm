; Facts for project-level rules (RULES.md §6.3), handled by `project::facts::extract`.
; Capture names are prefixed `app.`/`fact.`: the query is combined with every rule's.

; Calls of a name: app sites by import binding (`express()`, `Fastify()`), and error handler
; packages (`errors()` of celebrate, `errorhandler()`, `setupExpressErrorHandler(app)`).
(call_expression
  function: (identifier)) @app.call

; `require('fastify')({ logger: true })`
(call_expression
  function: (call_expression
    function: (identifier) @app.require)
  (#eq? @app.require "require")) @app.call

; Method calls: `NestFactory.create`, `.listen`, route and middleware registrations, error
; handler registrations.
(call_expression
  function: (member_expression
    property: (property_identifier) @fact.method)
  (#any-of? @fact.method
    "create" "listen" "use" "route" "get" "post" "put" "patch" "delete" "del" "all" "options"
    "head" "setErrorHandler" "useGlobalFilters" "errorHandler" "setupExpressErrorHandler"
    "errors")) @fact.call

; `await NestFactory.create<NestExpressApplication>(AppModule)`: with type arguments the grammar
; reads the call as a call of `(await NestFactory.create)`.
(call_expression
  function: (await_expression
    (member_expression
      property: (property_identifier) @fact.method))
  (#eq? @fact.method "create")) @fact.call

; `{ provide: APP_FILTER, useClass: AllExceptionsFilter }`
(pair
  key: (property_identifier) @fact.key
  value: (identifier)
  (#eq? @fact.key "provide")) @fact.provide

; `@Catch()` filter classes, `@UseFilters(…)`
(decorator
  (call_expression
    function: (identifier) @fact.decorator_name)
  (#any-of? @fact.decorator_name "Catch" "UseFilters")) @fact.decorator

; `axios.defaults.timeout = 5000` (request-without-timeout's project fact).
(assignment_expression
  left: (member_expression
    property: (property_identifier) @fact.defaults_property)
  (#eq? @fact.defaults_property "timeout")) @fact.default_timeout

; What a module exports: ES modules, then CommonJS.
(export_statement) @fact.export

(assignment_expression
  left: (member_expression) @fact.exports_target
  (#match? @fact.exports_target "^(module\\.exports|exports)(\\.[A-Za-z_$][A-Za-z0-9_$]*)?$")) @fact.cjs_export

; ---------------------------------------------------------------------------------------------
; HTTP protection and health facts (missing-rate-limit, missing-security-headers,
; missing-health-check), handled by `project::facts::http`. Captures are prefixed `http.`.

; Calls and constructions of names: `rateLimit(…)`, `helmet()`, `createTerminus(…)`,
; `new RateLimiterMemory(…)`, `new ExpressBrute(store)`.
(call_expression
  function: (identifier)) @http.call

(new_expression
  constructor: [(identifier) (member_expression)]) @http.new

; Registrations and header writes: `app.use(helmet())`, `fastify.register(rateLimit)`,
; `router.get('/health', h)`, `ThrottlerModule.forRoot(…)`, `res.setHeader('X-Frame-Options', …)`.
(call_expression
  function: (member_expression
    property: (property_identifier) @http.method)
  (#any-of? @http.method
    "use" "register" "get" "all" "head" "route" "forRoot" "forRootAsync" "useGlobalGuards"
    "setHeader" "header" "set" "append")) @http.method_call

; `{ 'X-Frame-Options': 'DENY' }`
(pair
  key: [(string) (property_identifier)] @http.header_key
  (#match? @http.header_key "^['\"]?(?i:strict-transport-security|content-security-policy|x-content-type-options|x-frame-options|referrer-policy)['\"]?$")) @http.header_pair

; `{ provide: APP_GUARD, useClass: ThrottlerGuard }`
(pair
  key: (property_identifier) @http.provide_key
  value: (identifier) @http.provide_value
  (#eq? @http.provide_key "provide")
  (#eq? @http.provide_value "APP_GUARD")) @http.provide

; `class X extends ThrottlerGuard`
(extends_clause
  value: (_) @http.base
  (#match? @http.base "ThrottlerGuard$")) @http.extends

; NestJS decorators: `@UseGuards(ThrottlerGuard)`, `@Get('health')` (with the class's
; `@Controller(…)`), `@Header('X-Frame-Options', 'DENY')`.
(decorator
  (call_expression
    function: (identifier) @http.decorator_name)
  (#any-of? @http.decorator_name "UseGuards" "Get" "All" "Head" "Header")) @http.decorator

; `imports: [TerminusModule]`, `imports: [TerminusModule.forRoot()]`
(pair
  key: (property_identifier) @http.imports_key
  value: (array) @http.imports
  (#eq? @http.imports_key "imports"))
; Environment-variable reads (RULES.md H7), handled by `project::facts::env`; captures `env.*`.
; Used by `missing-env-example` and `env-not-documented`.

; `process.env.X`, `import.meta.env.X`, `Bun.env.X`
(member_expression
  object: (member_expression
    property: (property_identifier) @env.env_property)
  (#eq? @env.env_property "env")) @env.member

; `process.env['X']`
(subscript_expression
  object: (member_expression
    property: (property_identifier) @env.env_property)
  (#eq? @env.env_property "env")) @env.subscript

; `const { X, Y: y } = process.env`
(variable_declarator
  name: (object_pattern)
  value: (member_expression
    property: (property_identifier) @env.env_property)
  (#eq? @env.env_property "env")) @env.destructure

; `Deno.env.get('X')`, NestJS `configService.get('X')`
(call_expression
  function: (member_expression
    object: (_)
    property: (property_identifier) @env.method)
  (#any-of? @env.method "get" "getOrThrow")) @env.call
