; todo-comment (RULES.md §4.9). Candidates only: the tag's boundaries, shebangs and
; `preflight-ignore` directives are checked in `server/src/rules/todo_comment.rs`.
; Docstrings and strings are not `comment` nodes and are never looked at.
((comment) @todo-comment.comment
  (#match? @todo-comment.comment "(TODO|FIXME|XXX|HACK|BUG)"))
