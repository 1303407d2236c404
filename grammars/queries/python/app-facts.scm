; Facts for project-level rules (RULES.md §6.3), handled by `project::facts::extract`.
; Capture names are prefixed `app.`/`fact.`: the query is combined with every rule's.

; Calls of a name: app sites by canonical callee (`FastAPI()`, `Flask(__name__)`), `run(app)`
; imported from uvicorn.
(call
  function: (identifier)) @app.call

; Method calls: app sites (`fastapi.FastAPI()`), starting a server (`app.run()`,
; `uvicorn.run(app)`) and registering error handlers.
(call
  function: (attribute
    attribute: (identifier) @fact.method)
  (#any-of? @fact.method
    "FastAPI" "Starlette" "Flask" "run" "exception_handler" "add_exception_handler"
    "errorhandler" "app_errorhandler" "register_error_handler" "middleware")) @fact.call

; Django settings modules: a module-level `MIDDLEWARE = […]`.
(module
  (expression_statement
    (assignment
      left: (identifier) @fact.setting
      (#eq? @fact.setting "MIDDLEWARE"))))

; ---------------------------------------------------------------------------------------------
; HTTP protection and health facts (missing-rate-limit, missing-security-headers,
; missing-health-check), handled by `project::facts::http`. Captures are prefixed `http.`.

; Imports of rate-limit and security-header packages: `from slowapi import Limiter`.
(import_from_statement
  module_name: (dotted_name) @http.module) @http.import

(import_statement
  name: [
    (dotted_name) @http.module
    (aliased_import
      name: (dotted_name) @http.module)
  ]) @http.import

; Routes and middleware: `Talisman(app)`, `Route("/health", h)`, `path("health/", v)`,
; `@app.get("/health")`, `app.add_url_rule("/ping", …)`, `APIRouter(prefix="/health")`.
(call
  function: [
    (identifier) @http.callee
    (attribute
      attribute: (identifier) @http.callee)
  ]
  (#any-of? @http.callee
    "Talisman" "Route" "path" "re_path" "url" "APIRouter" "Blueprint" "add_api_route"
    "add_url_rule" "include_router" "register_blueprint" "get" "head" "api_route" "route")) @http.call

; Header writes: `response.headers["X-Frame-Options"] = "DENY"`, `{"X-Frame-Options": "DENY"}`.
(assignment
  left: (subscript
    subscript: (string) @http.header_key)
  (#match? @http.header_key "^['\"](?i:strict-transport-security|content-security-policy|x-content-type-options|x-frame-options|referrer-policy)['\"]$")) @http.header

(pair
  key: (string) @http.header_key
  (#match? @http.header_key "^['\"](?i:strict-transport-security|content-security-policy|x-content-type-options|x-frame-options|referrer-policy)['\"]$")) @http.header

; Django settings: `"django.middleware.security.SecurityMiddleware"`, `"health_check"` in
; `INSTALLED_APPS`, `"DEFAULT_THROTTLE_CLASSES": [...]`.
(string
  (string_content) @http.setting_value
  (#match? @http.setting_value "^(django\\.middleware\\.security\\.SecurityMiddleware|health_check(\\.[A-Za-z0-9_.]+)?|DEFAULT_THROTTLE_CLASSES)$")) @http.setting_string

; Module-level `ROOT_URLCONF = …`, `MIDDLEWARE = […]` and `INSTALLED_APPS = […]` of a settings
; module.
(module
  (expression_statement
    (assignment
      left: (identifier) @http.setting
      (#any-of? @http.setting "ROOT_URLCONF" "MIDDLEWARE" "INSTALLED_APPS")) @http.assignment))
; Environment-variable reads (RULES.md H7), handled by `project::facts::env`; captures `env.*`.
; Used by `missing-env-example` and `env-not-documented`.

; `os.environ['X']`, `environ['X']`
(subscript
  value: [(attribute) (identifier)] @env.py_mapping
  (#match? @env.py_mapping "environ$")) @env.py_subscript

; `os.environ.get('X')`, `os.getenv('X')`, `getenv('X')`, django-environ `env('X')`,
; `env.str('X')`
(call
  function: [(attribute) (identifier)]
  arguments: (argument_list
    .
    (string))) @env.py_call

; pydantic-settings classes
(class_definition
  superclasses: (argument_list)) @env.py_class

; ---------------------------------------------------------------------------------------------
; The module's top-level names (RULES.md §6.3 `py-module-index`), handled by
; `project::facts::modules`; used by `entrypoint-target-missing` (`uvicorn app.main:app`).
(module) @entry.module
