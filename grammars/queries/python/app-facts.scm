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
