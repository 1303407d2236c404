; tls-verify-disabled (RULES.md §4.6). Candidates only: imports, values and callees are checked
; in server/src/rules/tls_verify_disabled.rs.

; `requests.get(url, verify=False)`, aiohttp `ssl=False` / `verify_ssl=False`,
; urllib3 `cert_reqs="CERT_NONE"`.
(call
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @tls.keyword
      value: (_) @tls.value) @tls.argument)
  (#any-of? @tls.keyword "verify" "ssl" "verify_ssl" "cert_reqs")) @tls.call

; `ssl._create_unverified_context()`, also under an imported name.
(call
  function: [
    (identifier) @tls.function
    (attribute attribute: (identifier) @tls.function)
  ]
  (#eq? @tls.function "_create_unverified_context")) @tls.unverified_call

; `ctx.check_hostname = False`, `ctx.verify_mode = ssl.CERT_NONE`, `session.verify = False`,
; `ssl._create_default_https_context = ssl._create_unverified_context`.
(assignment
  left: (attribute attribute: (identifier) @tls.attribute)
  right: (_) @tls.value
  (#any-of? @tls.attribute
    "check_hostname" "verify_mode" "verify" "_create_default_https_context")) @tls.attribute_assignment

; `os.environ["PYTHONHTTPSVERIFY"] = "0"` and its kin.
(assignment
  left: (subscript
    value: (_) @tls.environ
    subscript: (string) @tls.variable)
  right: (_) @tls.value
  (#match? @tls.variable "^[a-zA-Z]*['\"](PYTHONHTTPSVERIFY|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE|NODE_TLS_REJECT_UNAUTHORIZED)['\"]$")) @tls.environ_assignment
