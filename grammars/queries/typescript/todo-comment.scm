; todo-comment (RULES.md §4.9). Candidates only: the tag's boundaries, `preflight-ignore`
; directives and the `@todo` JSDoc tag are checked in `server/src/rules/todo_comment.rs`.
; Strings, template literals and JSX text are not `comment` nodes and are never looked at.
((comment) @todo-comment.comment
  (#match? @todo-comment.comment "(TODO|FIXME|XXX|HACK|BUG|@[tT][oO][dD][oO])"))
