use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use crate::lang::{ecma, python};
use preflight_grammars::LanguageFamily;
use tree_sitter::Node;

/// `catch` clauses and `.catch`/`.then` handlers; `except` clauses and `suppress(…)`.
const TRIGGERS: Triggers = Triggers {
    ecma: Words::exact(&["catch", "then"]),
    python: Words::exact(&["except", "suppress"]),
};

declare_rule! {
    /// ## What it does
    /// Flags error handlers that throw the error away without a trace:
    ///
    /// - TypeScript/JavaScript: an empty `catch {}` block, and a promise rejection handler that
    ///   does nothing — `.catch(() => {})`, `.catch(() => undefined)`, `.catch(noop)`,
    ///   `.then(onOk, () => null)`.
    /// - Python: a broad `except:` / `except Exception:` / `except BaseException:` (also in a
    ///   tuple, also `except*`) whose block is only `pass`, `continue`, `...` or a string, and
    ///   `with contextlib.suppress(Exception):`.
    ///
    /// A comment marks the silence as intended and is not flagged: inside the block or handler
    /// (`catch { /* the temp file may already be gone */ }`), trailing it on its last line
    /// (`} catch {} // eslint-disable-line no-empty`), or on its own line just above it. So is
    /// cleanup inside an error handler that goes on to rethrow
    /// (`catch (err) { await fs.remove(tmp).catch(() => {}); throw err; }`): the original error
    /// still propagates. Narrow exception types (`except KeyError: pass`,
    /// `except ImportError:`), and handlers that log, rethrow or return a fallback value
    /// (`.catch(() => [])`, `except Exception: return None`) are not flagged either.
    ///
    /// ## Why is this bad?
    /// When a failure disappears without a log line or a metric, an outage looks like silent
    /// data loss: the job "succeeded", the e-mail was "sent", and nobody knows why the numbers
    /// are wrong. A broad handler also hides programming errors (`TypeError`, `NameError`) that
    /// were never meant to be caught.
    ///
    /// ## Example
    /// ```ts
    /// try {
    ///   await this.mailer.send(message);
    /// } catch (e) {}
    /// fetchProfile().catch(() => {});
    /// ```
    /// ```python
    /// try:
    ///     sync_inventory()
    /// except Exception:
    ///     pass
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// try {
    ///   await this.mailer.send(message);
    /// } catch (e) {
    ///   this.logger.error(e);
    /// }
    /// try {
    ///   fs.unlinkSync(tmpFile);
    /// } catch {
    ///   // best effort: the temp file may already be gone
    /// }
    /// ```
    /// ```python
    /// try:
    ///     sync_inventory()
    /// except Exception:
    ///     logger.exception("inventory sync failed")
    /// ```
    ///
    /// ## Fix safety
    /// Both fixes are **unsafe**: they change what the program does when the error happens.
    /// "Log the error" writes it with `this.logger.error(e)` or `logger.error(e)` when the class
    /// or module has a `logger`, else `console.error(e)` (a `catch {}` without a binding gets
    /// `(error)`, an empty promise handler becomes `(error) => { console.error(error); }`); in
    /// Python it writes `logger.exception(...)` when the module defines `logger`, else
    /// `logging.exception(...)` (importing `logging` when needed). "Rethrow" re-raises the error
    /// from a `catch` block (`throw e;`) or an `except` block (`raise`). `suppress(Exception)`
    /// has no fix.
    ///
    /// ## How to silence
    /// Say why the error does not matter in a comment inside the block or handler, put
    /// `// preflight-ignore: swallowed-error` (Python: `# preflight-ignore: swallowed-error`) on
    /// the line above, or turn the rule off with `[rules] swallowed-error = "off"` in
    /// `preflight.toml`.
    pub static RULE = Rule {
        id: "swallowed-error",
        summary: "empty catch block, no-op promise rejection handler or broad `except: pass`",
        category: Category::Reliability,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Matches(check, TRIGGERS),
    };
}

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    match cx.language().family() {
        LanguageFamily::Ecma => {
            if let (Some(clause), Some(body)) = (
                m.get("swallowed-error.catch"),
                m.get("swallowed-error.body"),
            ) {
                out.extend(empty_catch(cx, clause, body));
            } else if let (Some(method), Some(arguments)) = (
                m.get("swallowed-error.method"),
                m.get("swallowed-error.arguments"),
            ) {
                out.extend(discarding_handler(cx, method, arguments));
            }
        }
        LanguageFamily::Python => {
            if let Some(clause) = m.get("swallowed-error.except") {
                out.extend(silent_except(cx, clause));
            } else if let (Some(call), Some(function), Some(arguments)) = (
                m.get("swallowed-error.suppress"),
                m.get("swallowed-error.function"),
                m.get("swallowed-error.arguments"),
            ) {
                out.extend(broad_suppress(cx, call, function, arguments));
            }
        }
        LanguageFamily::Dockerfile => {}
    }
}

/// Named children that are not comments.
fn code_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| child.kind() != "comment")
        .collect()
}

/// Whether `node`'s subtree holds a comment (walked with a cursor, not recursion).
fn has_comment(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    loop {
        if cursor.node().kind() == "comment" {
            return true;
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == node {
                return false;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return false;
            }
        }
    }
}

/// The whitespace that indents the line holding byte `at`.
fn line_indent(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Whether only blanks precede byte `at` on its line.
fn starts_line(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[start..at].chars().all(|c| c == ' ' || c == '\t')
}

/// Whether an own-line comment ends on the line just above the one holding byte `at`, or a
/// comment trails the code on the line holding byte `end` (after it): the usual places to say
/// why an error is ignored, besides inside the handler (`// the race is already lost` above
/// `p.catch(() => {})`, `} catch {} // eslint-disable-line no-empty`). `preflight-ignore`
/// directives are instructions to the linter, not explanations.
fn comment_beside(cx: &FileContext<'_>, at: usize, end: usize) -> bool {
    let text = cx.text();
    let root = cx.tree().root_node();
    let explains = |byte: usize| {
        root.descendant_for_byte_range(byte, byte + 1)
            .filter(|c| c.kind() == "comment")
            .is_some_and(|c| crate::suppress::parse_comment(cx.node_text(c)).is_none())
    };
    // Trailing: the rest of the line after `end`, past closing punctuation.
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let rest = &text[end..line_end];
    let skipped = rest.len() - rest.trim_start_matches([')', ';', ',', ' ', '\t']).len();
    if end + skipped < line_end && explains(end + skipped) {
        return true;
    }
    // Above: the last non-blank byte of the previous line is in a comment that starts its own
    // line.
    let start = line_start(text, at);
    let Some(previous) = text[..start].strip_suffix('\n') else {
        return false;
    };
    let previous = previous.trim_end_matches(['\r', ' ', '\t']);
    if previous.is_empty() || previous.ends_with('\n') {
        return false;
    }
    let last = previous.len() - 1;
    root.descendant_for_byte_range(last, last + 1)
        .filter(|c| c.kind() == "comment")
        .is_some_and(|c| {
            starts_line(text, c.start_byte())
                && crate::suppress::parse_comment(cx.node_text(c)).is_none()
        })
}

/// Whether `node` is cleanup inside an error handler that goes on to rethrow: the handler's
/// own error still propagates, so a failure of the cleanup is secondary
/// (`catch (err) { await fs.remove(tmp).catch(() => {}); throw err; }`).
fn while_rethrowing(node: Node<'_>, scopes: &[&str]) -> bool {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if scopes.contains(&ancestor.kind()) {
            return false;
        }
        let body = match ancestor.kind() {
            "catch_clause" => ancestor.child_by_field_name("body"),
            "except_clause" => except_block(ancestor),
            _ => None,
        };
        if let Some(body) = body {
            return throws_after(body, node.end_byte(), scopes);
        }
        current = ancestor.parent();
    }
    false
}

/// Whether `body` holds a `throw`/`raise` after byte `after`, outside nested functions.
fn throws_after(body: Node<'_>, after: usize, scopes: &[&str]) -> bool {
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.end_byte() <= after || scopes.contains(&node.kind()) {
            continue;
        }
        if matches!(node.kind(), "throw_statement" | "raise_statement")
            && node.start_byte() >= after
        {
            return true;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

const PY_SCOPES: &[&str] = &["function_definition", "lambda", "class_definition"];

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

fn empty_catch(cx: &FileContext<'_>, clause: Node<'_>, body: Node<'_>) -> Option<Finding> {
    // A comment is a named child: `catch { /* why */ }` is intended (H11).
    if body.named_child_count() != 0
        || comment_beside(cx, clause.start_byte(), body.end_byte())
        || while_rethrowing(clause, ecma::FUNCTION_KINDS)
    {
        return None;
    }
    let finding = RULE.finding(
        clause.start_byte()..body.end_byte(),
        "Empty `catch` block swallows the error; handle it, log it, or rethrow.",
    );
    let (binding, parameter) = match clause.child_by_field_name("parameter") {
        Some(parameter) if parameter.kind() == "identifier" => (None, cx.node_text(parameter)),
        // `catch ({ message }) {}`: the error itself has no name to log or rethrow.
        Some(_) => return Some(finding),
        None => {
            let keyword = clause.child(0).filter(|k| k.kind() == "catch")?;
            (Some(Edit::insert(keyword.end_byte(), " (error)")), "error")
        }
    };
    let logger = ecma_logger(cx, clause);
    let fix = |title: &str, statement: String| {
        let mut edits: Vec<Edit> = binding.iter().cloned().collect();
        edits.push(Edit::replace(
            body.byte_range(),
            block_with(cx, clause, body, &statement),
        ));
        Fix::unsafe_(title, edits)
    };
    Some(
        finding
            .with_fix(fix(
                "Log the error",
                format!("{logger}.error({parameter});"),
            ))
            .with_fix(fix("Rethrow the error", format!("throw {parameter};"))),
    )
}

/// An empty `{…}` block rewritten to hold `statement`, on one line when it was on one line,
/// else on its own line one indentation step deeper than the closing brace.
fn block_with(cx: &FileContext<'_>, clause: Node<'_>, body: Node<'_>, statement: &str) -> String {
    let text = cx.text();
    if !cx.node_text(body).contains('\n') {
        return format!("{{ {statement} }}");
    }
    let closing = line_indent(text, body.end_byte() - 1);
    let closing = if starts_line(text, body.end_byte() - 1) {
        closing
    } else {
        line_indent(text, clause.start_byte())
    };
    let step = indent_step(cx, clause).unwrap_or(if closing.contains('\t') { "\t" } else { "  " });
    format!("{{\n{closing}{step}{statement}\n{closing}}}")
}

/// The file's indentation step, read from the `try` block the clause belongs to: how much
/// deeper its first statement is than the `try` keyword's line.
fn indent_step<'a>(cx: &FileContext<'a>, clause: Node<'_>) -> Option<&'a str> {
    let text = cx.text();
    let try_statement = clause.parent().filter(|p| p.kind() == "try_statement")?;
    let first = try_statement
        .child_by_field_name("body")
        .and_then(|b| code_children(b).first().copied())?;
    if !starts_line(text, first.start_byte()) {
        return None;
    }
    let outer = line_indent(text, try_statement.start_byte());
    let inner = line_indent(text, first.start_byte());
    inner.strip_prefix(outer).filter(|step| !step.is_empty())
}

fn discarding_handler(
    cx: &FileContext<'_>,
    method: Node<'_>,
    arguments: Node<'_>,
) -> Option<Finding> {
    let method_name = cx.node_text(method);
    // A comment beside the handler, inside the call's parentheses, explains the silence too:
    // `.catch(() => null /* a missing file is fine */)`. Comments inside another argument
    // (`onOk`'s body) do not.
    let commented = {
        let mut cursor = arguments.walk();
        arguments
            .named_children(&mut cursor)
            .any(|c| c.kind() == "comment")
    };
    let arguments = code_children(arguments);
    let handler = match (method_name, arguments.as_slice()) {
        ("catch", [handler]) => *handler,
        ("then", [_, handler]) => *handler,
        _ => return None,
    };
    if commented || !discards(cx, handler) {
        return None;
    }
    let statement = enclosing_statement(handler);
    let intended = comment_beside(cx, handler.start_byte(), handler.end_byte())
        || statement.is_some_and(|s| comment_beside(cx, s.start_byte(), s.end_byte()));
    if intended || while_rethrowing(handler, ecma::FUNCTION_KINDS) {
        return None;
    }
    let logger = ecma_logger(cx, handler);
    let parameter = handler_parameter(cx, handler).unwrap_or("error");
    Some(
        RULE.finding(
            handler.byte_range(),
            format!("`.{method_name}()` handler discards the rejection."),
        )
        .with_fix(Fix::unsafe_(
            "Log the error",
            vec![Edit::replace(
                handler.byte_range(),
                format!("({parameter}) => {{ {logger}.error({parameter}); }}"),
            )],
        )),
    )
}

/// The statement or declaration an expression belongs to.
fn enclosing_statement(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            "statement_block" | "class_body" | "program" => return None,
            "public_field_definition" => return Some(ancestor),
            kind if kind.ends_with("_statement") || kind.ends_with("_declaration") => {
                return Some(ancestor);
            }
            _ => {}
        }
        current = ancestor.parent();
    }
    None
}

/// Whether a rejection handler does nothing: an empty function body without comments,
/// `() => undefined`/`null`/`void 0`, or `noop`/`_.noop`.
fn discards(cx: &FileContext<'_>, handler: Node<'_>) -> bool {
    match handler.kind() {
        "arrow_function" | "function_expression" => {
            let Some(body) = handler.child_by_field_name("body") else {
                return false;
            };
            // A comment anywhere in the handler explains the silence (H11).
            if has_comment(handler) {
                return false;
            }
            let body = ecma::unwrap_expression(body);
            match body.kind() {
                "statement_block" => body.named_child_count() == 0,
                "undefined" | "null" => true,
                "identifier" => cx.node_text(body) == "undefined",
                "unary_expression" => {
                    body.child_by_field_name("operator")
                        .is_some_and(|o| cx.node_text(o) == "void")
                        && body
                            .child_by_field_name("argument")
                            .is_some_and(|a| a.kind() == "number" && cx.node_text(a) == "0")
                }
                _ => false,
            }
        }
        "identifier" => cx.node_text(handler) == "noop",
        "member_expression" => cx.node_text(handler) == "_.noop",
        _ => false,
    }
}

/// The name of a handler's single plain parameter (`(err) => {}`, `err => {}`).
fn handler_parameter<'a>(cx: &FileContext<'a>, handler: Node<'_>) -> Option<&'a str> {
    if let Some(parameter) = handler.child_by_field_name("parameter") {
        return (parameter.kind() == "identifier").then(|| cx.node_text(parameter));
    }
    let parameters = code_children(handler.child_by_field_name("parameters")?);
    let [parameter] = parameters.as_slice() else {
        return None;
    };
    let pattern = match parameter.kind() {
        "required_parameter" if parameter.child_by_field_name("value").is_none() => {
            parameter.child_by_field_name("pattern")?
        }
        "identifier" => *parameter,
        _ => return None,
    };
    (pattern.kind() == "identifier").then(|| cx.node_text(pattern))
}

/// Where the error is logged from `node`: `this.logger` when the enclosing class has an instance
/// `logger` and `this` is that instance, `logger` when the module imports or declares one where
/// `node` can see it, else `console`.
fn ecma_logger(cx: &FileContext<'_>, node: Node<'_>) -> &'static str {
    if class_of_this(node).is_some_and(|body| class_has_logger(cx, body)) {
        "this.logger"
    } else if module_declares_logger(cx, node) {
        "logger"
    } else {
        "console"
    }
}

/// The body of the class whose instance `this` is at `node`, if any.
fn class_of_this(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        match ancestor.kind() {
            // Arrow functions keep the `this` of where they are written.
            "arrow_function" => {}
            "method_definition" | "public_field_definition" => {
                if has_token(ancestor, "static") {
                    return None;
                }
                return ancestor.parent().filter(|p| p.kind() == "class_body");
            }
            kind if ecma::FUNCTION_KINDS.contains(&kind) => return None,
            "class_body" | "class_static_block" | "program" => return None,
            _ => {}
        }
        current = ancestor.parent();
    }
    None
}

fn has_token(node: Node<'_>, kind: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor).any(|child| child.kind() == kind)
}

/// Whether a class has an instance `logger`: a field, a constructor parameter property, or a
/// `this.logger = …` assignment in its constructor.
fn class_has_logger(cx: &FileContext<'_>, class_body: Node<'_>) -> bool {
    let is_logger = |node: Option<Node<'_>>| node.is_some_and(|n| cx.node_text(n) == "logger");
    let mut cursor = class_body.walk();
    class_body
        .named_children(&mut cursor)
        .any(|member| match member.kind() {
            "public_field_definition" => {
                !has_token(member, "static") && is_logger(member.child_by_field_name("name"))
            }
            "method_definition" if is_logger_constructor(cx, member) => true,
            _ => false,
        })
}

fn is_logger_constructor(cx: &FileContext<'_>, method: Node<'_>) -> bool {
    if method
        .child_by_field_name("name")
        .is_none_or(|n| cx.node_text(n) != "constructor")
    {
        return false;
    }
    let property_parameter = method
        .child_by_field_name("parameters")
        .is_some_and(|parameters| {
            code_children(parameters).into_iter().any(|parameter| {
                let is_property = has_token(parameter, "readonly") || {
                    let mut inner = parameter.walk();
                    parameter
                        .named_children(&mut inner)
                        .any(|c| c.kind() == "accessibility_modifier")
                };
                is_property
                    && parameter
                        .child_by_field_name("pattern")
                        .is_some_and(|p| cx.node_text(p) == "logger")
            })
        });
    property_parameter
        || method.child_by_field_name("body").is_some_and(|body| {
            code_children(body).into_iter().any(|statement| {
                statement.kind() == "expression_statement"
                    && statement
                        .named_child(0)
                        .filter(|a| a.kind() == "assignment_expression")
                        .and_then(|a| a.child_by_field_name("left"))
                        .is_some_and(|left| cx.node_text(left) == "this.logger")
            })
        })
}

/// Whether a module-level `logger` is visible from `node`: imported, or declared at the top
/// level (before `node` when `node` itself runs at module load).
fn module_declares_logger(cx: &FileContext<'_>, node: Node<'_>) -> bool {
    if cx.bindings().get("logger").is_some() {
        return true;
    }
    let in_function = ecma::enclosing_function(node).is_some();
    let root = cx.tree().root_node();
    let mut cursor = root.walk();
    root.named_children(&mut cursor).any(|statement| {
        let declaration = match statement.kind() {
            "export_statement" => statement.child_by_field_name("declaration"),
            _ => Some(statement),
        };
        declaration
            .filter(|d| matches!(d.kind(), "lexical_declaration" | "variable_declaration"))
            .is_some_and(|declaration| {
                code_children(declaration).into_iter().any(|declarator| {
                    declarator.kind() == "variable_declarator"
                        && declarator.child_by_field_name("name").is_some_and(|n| {
                            n.kind() == "identifier" && cx.node_text(n) == "logger"
                        })
                        && (in_function || declarator.end_byte() <= node.start_byte())
                })
            })
    })
}

// ---------------------------------------------------------------------------------------------
// Python

/// Statements that do nothing with the exception.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Silent {
    Pass,
    Ellipsis,
    Continue,
    String,
}

fn silent_statement(statement: Node<'_>) -> Option<Silent> {
    match statement.kind() {
        "pass_statement" => Some(Silent::Pass),
        "continue_statement" => Some(Silent::Continue),
        "expression_statement" => match code_children(statement).as_slice() {
            [expression] if expression.kind() == "ellipsis" => Some(Silent::Ellipsis),
            [expression] if matches!(expression.kind(), "string" | "concatenated_string") => {
                Some(Silent::String)
            }
            _ => None,
        },
        _ => None,
    }
}

fn silent_except(cx: &FileContext<'_>, clause: Node<'_>) -> Option<Finding> {
    let text = cx.text();
    let keyword = clause.child(0).filter(|k| k.kind() == "except")?;
    let caught = match clause.child_by_field_name("value") {
        Some(value) if value.kind() == "as_pattern" => Some(value.named_child(0)?),
        value => value,
    };
    if caught.is_some_and(|t| !is_broad(cx, t)) {
        return None;
    }
    let block = except_block(clause)?;
    let statements = code_children(block);
    let silent: Vec<(Node<'_>, Silent)> = statements
        .iter()
        .map(|s| silent_statement(*s).map(|kind| (*s, kind)))
        .collect::<Option<_>>()?;
    if silent.is_empty()
        || has_intent_comment(cx, clause, keyword, block)
        || comment_beside(cx, keyword.start_byte(), keyword.start_byte())
        || while_rethrowing(clause, PY_SCOPES)
    {
        return None;
    }
    let star = has_token(clause, "*");
    let except = if star { "except*" } else { "except" };
    let shown = match caught {
        Some(t) => format!("{except} {}", collapse_whitespace(cx.node_text(t))),
        None => except.to_string(),
    };
    let named = [
        Silent::Continue,
        Silent::Pass,
        Silent::Ellipsis,
        Silent::String,
    ]
    .into_iter()
    .find_map(|kind| silent.iter().find(|(_, k)| *k == kind))
    .copied()?;
    let statement = match named.1 {
        Silent::Pass => "pass".to_string(),
        Silent::Continue => "continue".to_string(),
        Silent::Ellipsis => "...".to_string(),
        Silent::String => shorten(cx.node_text(named.0)),
    };
    let end = caught.map_or(keyword.end_byte(), |t| t.end_byte());
    let mut finding = RULE.finding(
        keyword.start_byte()..end,
        format!(
            "`{shown}` with only `{statement}` silently discards every exception; log it or catch a narrower type."
        ),
    );
    if let Some(log) = python_log_fix(cx, clause, &silent) {
        finding = finding.with_fix(log);
    }
    let rethrow = python_statement_edit(text, &silent, "raise", true);
    Some(finding.with_fix(Fix::unsafe_("Re-raise the exception", vec![rethrow])))
}

fn except_block(clause: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = clause.walk();
    clause
        .named_children(&mut cursor)
        .find(|c| c.kind() == "block")
}

/// `Exception`, `BaseException`, `builtins.Exception`, or a tuple holding one of them.
fn is_broad(cx: &FileContext<'_>, caught: Node<'_>) -> bool {
    let mut stack = vec![caught];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" | "attribute" => {
                let name = cx.node_text(node);
                let name = name.strip_prefix("builtins.").unwrap_or(name);
                if name == "Exception" || name == "BaseException" {
                    return true;
                }
            }
            // `(Exception)` as well as `(ValueError, Exception)`, without going deeper.
            "tuple" | "parenthesized_expression" if node == caught => {
                stack.extend(code_children(node));
            }
            _ => {}
        }
    }
    false
}

/// A comment inside the clause (H11): before the block, in it, or trailing the `except` line.
/// tree-sitter-python can hang a comment that follows the block onto it; one that is not
/// indented deeper than `except` belongs to what follows.
fn has_intent_comment(
    cx: &FileContext<'_>,
    clause: Node<'_>,
    keyword: Node<'_>,
    block: Node<'_>,
) -> bool {
    let text = cx.text();
    let except_indent = keyword.start_position().column;
    let mut stack = vec![clause];
    while let Some(node) = stack.pop() {
        if node.kind() == "comment" {
            let inside = node.start_byte() < block.end_byte()
                || !starts_line(text, node.start_byte())
                || node.start_position().column > except_indent;
            if inside {
                return true;
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A string statement as shown in a message: its first line, at most 30 characters.
fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or(text);
    if line.chars().count() <= 30 && line.len() == text.len() {
        return line.to_string();
    }
    let cut: String = line.chars().take(29).collect();
    format!("{cut}…")
}

/// The edit putting `code` in the block: replacing the first `pass`/`...` (or, when
/// `replace_continue`, the `continue`), else before the `continue`, else after the last string.
fn python_statement_edit(
    text: &str,
    silent: &[(Node<'_>, Silent)],
    code: &str,
    replace_continue: bool,
) -> Edit {
    let find = |kind: Silent| silent.iter().find(|(_, k)| *k == kind).map(|(n, _)| *n);
    if let Some(target) = find(Silent::Pass).or_else(|| find(Silent::Ellipsis)) {
        return Edit::replace(target.byte_range(), code);
    }
    if let Some(target) = find(Silent::Continue) {
        if replace_continue {
            return Edit::replace(target.byte_range(), code);
        }
        let at = target.start_byte();
        return if starts_line(text, at) {
            Edit::insert(at, format!("{code}\n{}", line_indent(text, at)))
        } else {
            Edit::insert(at, format!("{code}; "))
        };
    }
    let last = silent.last().expect("a silent block has a statement").0;
    if starts_line(text, last.start_byte()) {
        Edit::insert(
            last.end_byte(),
            format!("\n{}{code}", line_indent(text, last.start_byte())),
        )
    } else {
        Edit::insert(last.end_byte(), format!("; {code}"))
    }
}

/// "Log the error": `logger.exception(...)` with the module's `logger`, else
/// `logging.exception(...)`, importing `logging` when the module does not.
fn python_log_fix(
    cx: &FileContext<'_>,
    clause: Node<'_>,
    silent: &[(Node<'_>, Silent)],
) -> Option<Fix> {
    let text = cx.text();
    let mut edits = Vec::new();
    let receiver = if python_module_logger(cx, clause) {
        "logger"
    } else {
        match cx.bindings().get("logging") {
            Some("logging") => {}
            // `logging` names something else here.
            Some(_) => return None,
            None => edits.push(Edit::insert(
                import_position(cx, clause),
                "import logging\n",
            )),
        }
        "logging"
    };
    let call = format!("{receiver}.exception(\"Unhandled exception\")");
    edits.push(python_statement_edit(text, silent, &call, false));
    Some(Fix::unsafe_("Log the exception", edits))
}

/// Whether the module binds `logger` (an import or a top-level assignment) where `clause` can
/// use it: anywhere for code in a function, before the clause for code run at import time.
fn python_module_logger(cx: &FileContext<'_>, clause: Node<'_>) -> bool {
    if cx.bindings().get("logger").is_some() {
        return true;
    }
    let in_function =
        crate::lang::ancestor_of_kind(clause, &["function_definition", "lambda"]).is_some();
    let root = cx.tree().root_node();
    code_children(root).into_iter().any(|statement| {
        statement.kind() == "expression_statement"
            && statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
                .and_then(|a| a.child_by_field_name("left"))
                .is_some_and(|left| left.kind() == "identifier" && cx.node_text(left) == "logger")
            && (in_function || statement.end_byte() <= clause.start_byte())
    })
}

/// Where `import logging` goes: on the line after the last top-level import (or after the module
/// docstring, or the leading comments), but never after the top-level statement holding the
/// clause, which may run at import time.
fn import_position(cx: &FileContext<'_>, clause: Node<'_>) -> usize {
    let text = cx.text();
    let root = cx.tree().root_node();
    let statements = code_children(root);
    let holder = statements
        .iter()
        .find(|s| s.start_byte() <= clause.start_byte() && clause.end_byte() <= s.end_byte())
        .map(|s| s.start_byte());
    let after_line = |end: usize| text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let last_import = statements
        .iter()
        .filter(|s| {
            matches!(
                s.kind(),
                "import_statement" | "import_from_statement" | "future_import_statement"
            )
        })
        .rfind(|s| holder.is_none_or(|h| s.start_byte() < h));
    let docstring = statements.first().filter(|s| {
        s.kind() == "expression_statement"
            && s.named_child(0).is_some_and(|e| e.kind() == "string")
            && holder.is_none_or(|h| s.start_byte() < h)
    });
    let position = match (last_import, docstring) {
        (Some(import), _) => after_line(import.end_byte()),
        (None, Some(docstring)) => after_line(docstring.end_byte()),
        (None, None) => {
            // After the leading comments (shebang, encoding, licence).
            let mut cursor = root.walk();
            root.named_children(&mut cursor)
                .take_while(|c| c.kind() == "comment")
                .last()
                .map_or(0, |c| after_line(c.end_byte()))
        }
    };
    match holder {
        Some(h) if h < position => line_start(text, h),
        _ => position,
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// `with suppress(Exception):` where `suppress` is `contextlib.suppress`.
fn broad_suppress(
    cx: &FileContext<'_>,
    call: Node<'_>,
    function: Node<'_>,
    arguments: Node<'_>,
) -> Option<Finding> {
    let path = python::callee_path(function, cx.text())?;
    if cx.bindings().canonical(&path) != "contextlib.suppress" {
        return None;
    }
    let types = code_children(arguments);
    if !types
        .iter()
        .any(|t| matches!(t.kind(), "identifier" | "attribute") && is_broad(cx, *t))
    {
        return None;
    }
    // A comment in the statement or beside it says why (H11, as for `except`).
    let statement = crate::lang::ancestor_of_kind(call, &["with_statement"])?;
    if has_comment(statement)
        || comment_beside(cx, statement.start_byte(), call.end_byte())
        || while_rethrowing(statement, PY_SCOPES)
    {
        return None;
    }
    let shown: Vec<&str> = types.iter().map(|t| cx.node_text(*t)).collect();
    Some(RULE.finding(
        call.byte_range(),
        format!(
            "`suppress({})` silently discards every exception.",
            collapse_whitespace(&shown.join(", "))
        ),
    ))
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Finding, FixSafety};
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "swallowed-error";

    fn messages(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.message.as_str()).collect()
    }

    fn titles(finding: &Finding) -> Vec<&str> {
        finding.fixes.iter().map(|f| f.title.as_str()).collect()
    }

    fn parses(path: &str, text: &str) -> bool {
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        !parser.parse(text, None).unwrap().root_node().has_error()
    }

    /// The text after applying the fix titled `title` of the only finding; it must parse.
    fn apply(path: &str, text: &str, title: &str) -> String {
        let findings = check(ID, path, text);
        assert_eq!(findings.len(), 1, "{text}");
        let mut finding = findings[0].clone();
        finding.fixes.retain(|f| f.title == title);
        assert_eq!(finding.fixes.len(), 1, "no fix `{title}` for {text}");
        let out = fixed(text, &[finding], FixSafety::Unsafe);
        assert!(parses(path, &out), "fix breaks the syntax:\n{out}");
        out
    }

    fn assert_clean(path: &str, cases: &[&str]) {
        for text in cases {
            assert!(check(ID, path, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn flags_the_spec_examples_in_typescript() {
        let text = "try {\n  await this.mailer.send(message);\n} catch (e) {}\n";
        let findings = check(ID, "src/a.ts", text);
        assert_eq!(spans(text, &findings), ["catch (e) {}"]);
        assert_eq!(
            messages(&findings),
            ["Empty `catch` block swallows the error; handle it, log it, or rethrow."]
        );
        let text = "fetchProfile().catch(() => {});\npromise.then(onOk, () => undefined);\n";
        let findings = check(ID, "src/a.ts", text);
        assert_eq!(spans(text, &findings), ["() => {}", "() => undefined"]);
        assert_eq!(
            messages(&findings),
            [
                "`.catch()` handler discards the rejection.",
                "`.then()` handler discards the rejection."
            ]
        );
        let text = "try { payload = JSON.parse(raw); } catch {}\n";
        assert_eq!(spans(text, &check(ID, "src/a.js", text)), ["catch {}"]);
    }

    #[test]
    fn flags_every_no_op_handler() {
        let text = "p.catch(noop);\np.catch(_.noop);\np.catch(function () {});\np.catch(() => void 0);\n\
                    p.catch(() => null);\np?.catch(async (e) => {});\np.then(undefined, (err) => {\n});\n";
        assert_eq!(
            spans(text, &check(ID, "src/a.ts", text)),
            [
                "noop",
                "_.noop",
                "function () {}",
                "() => void 0",
                "() => null",
                "async (e) => {}",
                "(err) => {\n}"
            ]
        );
    }

    #[test]
    fn ignores_handlers_that_do_something_or_say_why() {
        assert_clean(
            "src/a.ts",
            &[
                "try {\n  fs.unlinkSync(tmpFile);\n} catch {\n  // best effort: the temp file may already be gone\n}\n",
                "try { await op(); } catch (err) { logger.error(err); throw err; }\np.catch((err) => this.logger.warn(err));\n",
                "p.catch(() => []);\np.catch(() => false);\np.catch(() => fallback);\np.catch(handleError);\np.then(() => {});\n",
                "p.catch(() => { /* already reported by the worker */ });\np.catch(() => null /* a missing file is fine */);\n",
                "p.catch(() => {}, extra);\np.then(a, () => {}, c);\nrouter.catch();\n",
                "class A {\n  // ready once the pool is warm\n  ready = this.pool.warm().catch(() => { /* retried on first use */ });\n}\n",
                "try { a(); } catch (e) { return null; }\n",
            ],
        );
    }

    #[test]
    fn comments_beside_the_handler_count_as_intent() {
        assert_clean(
            "src/a.ts",
            &[
                // Above the statement.
                "async function f() {\n  // A failed start must not stop the teardown: its error already went to the caller.\n  await this.ready?.catch(() => undefined);\n}\n",
                // Above a chained handler's line.
                "fetch(url)\n  .then(render)\n  // the banner is optional\n  .catch(() => {});\n",
                // Trailing.
                "cache.set(key, value).catch(() => {}); // the cache is optional\n",
                "try { a(); } catch {} // eslint-disable-line no-empty\n",
                // Above `} catch`: the try block's last line.
                "try {\n  headers.setContentLength(await getLength());\n  /*eslint no-empty:0*/\n} catch (e) {}\n",
            ],
        );
        // A comment further away, a trailing comment of other code above, or a directive for
        // the linter is no explanation.
        for text in [
            "// fetch the profile\n\nfetchProfile().catch(() => {});\n",
            "setup(); // ready\nfetchProfile().catch(() => {});\n",
            "// preflight-ignore: debug-print\nfetchProfile().catch(() => {});\n",
            "p.then((v) => {\n  // use the value\n  use(v);\n}, () => {});\n",
            "// A pool of workers.\nclass Pool {\n  ready = this.warm().catch(() => {});\n}\n",
        ] {
            assert_eq!(check(ID, "src/a.ts", text).len(), 1, "{text}");
        }
    }

    #[test]
    fn cleanup_before_a_rethrow_is_not_flagged() {
        assert_clean(
            "src/a.ts",
            &[
                "async function f() {\n  try {\n    await move(tmp, target);\n  } catch (err) {\n    await fs.remove(tmp).catch(() => {});\n    throw err;\n  }\n}\n",
                "try { a(); } catch (err) {\n  try { cleanup(); } catch {}\n  if (fatal(err)) { throw new Wrapped(err); }\n}\n",
            ],
        );
        // The throw must follow, and belong to the same handler.
        for text in [
            "try { a(); } catch (err) {\n  p.catch(() => {});\n}\n",
            "try { a(); } catch (err) {\n  items.forEach(() => { throw err; });\n  p.catch(() => {});\n}\n",
            "try { a(); } catch (err) {\n  const f = () => { p.catch(() => {}); };\n  throw err;\n}\n",
        ] {
            assert_eq!(check(ID, "src/a.ts", text).len(), 1, "{text}");
        }
    }

    #[test]
    fn flags_the_spec_examples_in_python() {
        let text = "try:\n    sync_inventory()\nexcept Exception:\n    pass\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(spans(text, &findings), ["except Exception"]);
        assert_eq!(
            messages(&findings),
            [
                "`except Exception` with only `pass` silently discards every exception; log it or catch a narrower type."
            ]
        );
        let text =
            "for item in items:\n    try:\n        process(item)\n    except:\n        continue\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(spans(text, &findings), ["except"]);
        assert_eq!(
            messages(&findings),
            [
                "`except` with only `continue` silently discards every exception; log it or catch a narrower type."
            ]
        );
        let text = "from contextlib import suppress\nwith suppress(Exception):\n    notify_webhook(event)\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(spans(text, &findings), ["suppress(Exception)"]);
        assert_eq!(
            messages(&findings),
            ["`suppress(Exception)` silently discards every exception."]
        );
    }

    #[test]
    fn flags_every_broad_python_handler() {
        let text = "try:\n    a()\nexcept BaseException as exc:\n    ...\n\
                    try:\n    a()\nexcept (ValueError, Exception):\n    \"ignored\"\n\
                    try:\n    a()\nexcept builtins.Exception: pass\n\
                    try:\n    a()\nexcept* Exception:\n    pass\n\
                    import contextlib\nwith contextlib.suppress(KeyError, BaseException) as ignored:\n    a()\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(
            spans(text, &findings),
            [
                "except BaseException",
                "except (ValueError, Exception)",
                "except builtins.Exception",
                "except* Exception",
                "contextlib.suppress(KeyError, BaseException)"
            ]
        );
        assert!(
            findings[0]
                .message
                .starts_with("`except BaseException` with only `...`")
        );
        assert!(findings[1].message.contains("with only `\"ignored\"`"));
        assert!(
            findings[3]
                .message
                .starts_with("`except* Exception` with only `pass`")
        );
    }

    #[test]
    fn ignores_narrow_busy_or_explained_python_handlers() {
        assert_clean(
            "app/a.py",
            &[
                "try:\n    import ujson as json\nexcept ImportError:\n    import json\ntry:\n    value = cache[key]\nexcept KeyError:\n    pass\n",
                "try:\n    os.remove(path)\nexcept Exception:\n    # best effort cleanup; failure is harmless here\n    pass\n",
                "try:\n    a()\nexcept Exception:  # noqa: BLE001\n    pass\n",
                "try:\n    a()\nexcept Exception:\n    pass  # optional dependency\n",
                "try:\n    next(it)\nexcept StopIteration:\n    pass\nexcept (KeyError, AttributeError):\n    pass\n",
                "try:\n    a()\nexcept Exception:\n    return None\n",
                "try:\n    a()\nexcept Exception as e:\n    logger.exception(e)\n",
                "try:\n    a()\nexcept Exception:\n    raise\n",
                "for x in xs:\n    try:\n        a(x)\n    except Exception:\n        break\n",
                "from contextlib import suppress\nwith suppress(FileNotFoundError):\n    os.remove(p)\n",
                "from contextlib import suppress\n# the metrics endpoint is optional\nwith suppress(Exception):\n    push_metrics()\n",
                "import contextlib\nwith contextlib.suppress(Exception):\n    # optional dependency\n    from x import y\n",
                "from mylib import suppress\nwith suppress(Exception):\n    a()\n",
                "with open(p) as f:\n    pass\n",
            ],
        );
    }

    #[test]
    fn a_comment_after_the_block_belongs_to_what_follows() {
        let text = "def f():\n    try:\n        x()\n    except Exception:\n        pass\n    # next section\n    foo()\n";
        assert_eq!(check(ID, "app/a.py", text).len(), 1);
        let text =
            "def f():\n    try:\n        x()\n    except Exception:\n        pass\n# top level\n";
        assert_eq!(check(ID, "app/a.py", text).len(), 1);
    }

    #[test]
    fn python_cleanup_before_a_reraise_is_not_flagged() {
        let text = "try:\n    a()\nexcept Exception:\n    try:\n        cleanup()\n    except Exception:\n        pass\n    raise\n";
        assert!(check(ID, "app/a.py", text).is_empty());
        let text = "try:\n    a()\nexcept Exception:\n    try:\n        cleanup()\n    except Exception:\n        pass\n";
        // The outer handler is not silent (it holds a `try`), the inner one is.
        assert_eq!(check(ID, "app/a.py", text).len(), 1);
    }

    #[test]
    fn logs_or_rethrows_in_typescript() {
        let path = "src/a.ts";
        let text = "try {\n  await send(message);\n} catch (e) {}\n";
        assert_eq!(
            titles(&check(ID, path, text)[0]),
            ["Log the error", "Rethrow the error"]
        );
        assert_eq!(
            apply(path, text, "Log the error"),
            "try {\n  await send(message);\n} catch (e) { console.error(e); }\n"
        );
        assert_eq!(
            apply(path, text, "Rethrow the error"),
            "try {\n  await send(message);\n} catch (e) { throw e; }\n"
        );
        let text = "try { payload = JSON.parse(raw); } catch {}\n";
        assert_eq!(
            apply(path, text, "Log the error"),
            "try { payload = JSON.parse(raw); } catch (error) { console.error(error); }\n"
        );
        // A multi-line block gets the statement on its own line, indented like the try block.
        let text = "function f() {\n    try {\n        a();\n    } catch (err) {\n    }\n}\n";
        assert_eq!(
            apply(path, text, "Rethrow the error"),
            "function f() {\n    try {\n        a();\n    } catch (err) {\n        throw err;\n    }\n}\n"
        );
        let text = "\ttry {\n\t\ta();\n\t} catch {\n\n\t}\n";
        assert_eq!(
            apply(path, text, "Log the error"),
            "\ttry {\n\t\ta();\n\t} catch (error) {\n\t\tconsole.error(error);\n\t}\n"
        );
        // Destructured bindings have no name to log: flagged, no fix.
        let text = "try { a(); } catch ({ message }) {}\n";
        assert!(check(ID, path, text)[0].fixes.is_empty());
    }

    #[test]
    fn logs_from_promise_handlers() {
        let path = "src/a.ts";
        let text = "fetchProfile().catch(() => {});\n";
        assert_eq!(titles(&check(ID, path, text)[0]), ["Log the error"]);
        assert_eq!(
            apply(path, text, "Log the error"),
            "fetchProfile().catch((error) => { console.error(error); });\n"
        );
        let text = "p.then(ok, function (reason) {});\n";
        assert_eq!(
            apply(path, text, "Log the error"),
            "p.then(ok, (reason) => { console.error(reason); });\n"
        );
        let text = "p.catch(err => undefined);\n";
        assert_eq!(
            apply(path, text, "Log the error"),
            "p.catch((err) => { console.error(err); });\n"
        );
        let text = "p.catch(_.noop);\n";
        assert_eq!(
            apply("src/a.js", text, "Log the error"),
            "p.catch((error) => { console.error(error); });\n"
        );
    }

    #[test]
    fn uses_the_class_or_module_logger() {
        let path = "src/mail.service.ts";
        let text = "export class MailService {\n  private readonly logger = new Logger(MailService.name);\n  async send(m) {\n    try { await this.mailer.send(m); } catch (e) {}\n    this.queue.drain().catch(() => {});\n  }\n}\n";
        let findings = check(ID, path, text);
        let out = fixed(text, &findings, FixSafety::Unsafe);
        assert!(out.contains("catch (e) { this.logger.error(e); }"), "{out}");
        assert!(
            out.contains(".catch((error) => { this.logger.error(error); })"),
            "{out}"
        );
        let text = "class A {\n  constructor(private logger: PinoLogger) {}\n  run() { try { a(); } catch (e) {} }\n}\n";
        assert!(apply(path, text, "Log the error").contains("this.logger.error(e)"));
        let text = "class A {\n  constructor(logger) { this.logger = logger; }\n  run() { try { a(); } catch (e) {} }\n}\n";
        assert!(apply("src/a.js", text, "Log the error").contains("this.logger.error(e)"));
        // `function` rebinds `this`; static methods have no instance.
        let text = "class A {\n  logger = x;\n  run() { return function () { try { a(); } catch (e) {} }; }\n}\n";
        assert!(apply(path, text, "Log the error").contains("console.error(e)"));
        let text = "class A {\n  logger = x;\n  static run() { try { a(); } catch (e) {} }\n}\n";
        assert!(apply(path, text, "Log the error").contains("console.error(e)"));
        // Module loggers: imported, or declared where the handler can see them.
        let text = "import { logger } from './logger';\ntry { a(); } catch (e) {}\n";
        assert!(apply(path, text, "Log the error").contains("logger.error(e)"));
        let text =
            "export function f() {\n  try { a(); } catch (e) {}\n}\nconst logger = pino();\n";
        assert!(apply(path, text, "Log the error").contains("{ logger.error(e); }"));
        let text = "try { a(); } catch (e) {}\nconst logger = pino();\n";
        assert!(apply(path, text, "Log the error").contains("console.error(e)"));
    }

    #[test]
    fn logs_or_reraises_in_python() {
        let path = "app/a.py";
        let text =
            "def f():\n    try:\n        sync_inventory()\n    except Exception:\n        pass\n";
        assert_eq!(
            titles(&check(ID, path, text)[0]),
            ["Log the exception", "Re-raise the exception"]
        );
        assert_eq!(
            apply(path, text, "Log the exception"),
            "import logging\ndef f():\n    try:\n        sync_inventory()\n    except Exception:\n        logging.exception(\"Unhandled exception\")\n"
        );
        assert_eq!(
            apply(path, text, "Re-raise the exception"),
            "def f():\n    try:\n        sync_inventory()\n    except Exception:\n        raise\n"
        );
        // `continue` keeps its place after the log line; re-raising replaces it.
        let text = "import os\nfor item in items:\n    try:\n        process(item)\n    except:\n        continue\n";
        assert_eq!(
            apply(path, text, "Log the exception"),
            "import os\nimport logging\nfor item in items:\n    try:\n        process(item)\n    except:\n        logging.exception(\"Unhandled exception\")\n        continue\n"
        );
        assert_eq!(
            apply(path, text, "Re-raise the exception"),
            "import os\nfor item in items:\n    try:\n        process(item)\n    except:\n        raise\n"
        );
        let text = "for x in xs:\n    try: a(x)\n    except Exception: continue\n";
        assert_eq!(
            apply(path, text, "Log the exception"),
            "import logging\nfor x in xs:\n    try: a(x)\n    except Exception: logging.exception(\"Unhandled exception\"); continue\n"
        );
        // A string-only block: the call goes after it.
        let text = "import logging\ntry:\n    a()\nexcept Exception:\n    \"ignored\"\n";
        assert_eq!(
            apply(path, text, "Log the exception"),
            "import logging\ntry:\n    a()\nexcept Exception:\n    \"ignored\"\n    logging.exception(\"Unhandled exception\")\n"
        );
    }

    #[test]
    fn python_logger_and_import_placement() {
        let path = "app/a.py";
        // A module logger.
        let text = "import logging\nlogger = logging.getLogger(__name__)\ndef f():\n    try:\n        a()\n    except Exception:\n        pass\n";
        assert_eq!(
            apply(path, text, "Log the exception"),
            text.replace("pass", "logger.exception(\"Unhandled exception\")")
        );
        let text = "from app.log import logger\ntry:\n    a()\nexcept Exception:\n    pass\n";
        assert!(apply(path, text, "Log the exception").contains("logger.exception("));
        // Assigned after a module-level handler: not there yet.
        let text = "import logging\ntry:\n    a()\nexcept Exception:\n    pass\nlogger = logging.getLogger(__name__)\n";
        assert!(apply(path, text, "Log the exception").contains("    logging.exception("));
        // After the docstring and `__future__` imports, before code.
        let text = "\"\"\"Module.\"\"\"\nfrom __future__ import annotations\n\nx = 1\ntry:\n    a()\nexcept Exception:\n    pass\n";
        assert!(apply(path, text, "Log the exception").starts_with(
            "\"\"\"Module.\"\"\"\nfrom __future__ import annotations\nimport logging\n\nx = 1\n"
        ));
        let text = "\"\"\"Module.\"\"\"\ntry:\n    a()\nexcept Exception:\n    pass\n";
        assert!(
            apply(path, text, "Log the exception")
                .starts_with("\"\"\"Module.\"\"\"\nimport logging\ntry:\n")
        );
        let text = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\ntry:\n    a()\nexcept Exception:\n    pass\n";
        assert!(
            apply(path, text, "Log the exception").starts_with(
                "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport logging\ntry:\n"
            )
        );
        // The handler runs at import time before the last import: the import goes above it.
        let text = "import os\ntry:\n    import ujson\nexcept Exception:\n    pass\nimport sys\n";
        assert_eq!(
            apply(path, text, "Log the exception"),
            "import os\nimport logging\ntry:\n    import ujson\nexcept Exception:\n    logging.exception(\"Unhandled exception\")\nimport sys\n"
        );
        // `logging` bound to something else: no log fix.
        let text = "from structlog import logging\ntry:\n    a()\nexcept Exception:\n    pass\n";
        assert_eq!(
            titles(&check(ID, path, text)[0]),
            ["Re-raise the exception"]
        );
        let text = "try:\n    a()\nexcept Exception:\n    pass";
        assert_eq!(
            apply(path, text, "Log the exception"),
            "import logging\ntry:\n    a()\nexcept Exception:\n    logging.exception(\"Unhandled exception\")"
        );
    }

    #[test]
    fn crlf_files_keep_their_line_endings_and_parse() {
        let text = "try {\r\n  a();\r\n} catch (e) {\r\n}\r\n";
        let out = apply("src/a.ts", text, "Log the error");
        assert_eq!(
            out,
            "try {\r\n  a();\r\n} catch (e) {\r\n  console.error(e);\r\n}\r\n"
        );
        let text = "import os\r\nfor x in xs:\r\n    try:\r\n        a(x)\r\n    except:\r\n        continue\r\n";
        assert_eq!(
            apply("app/a.py", text, "Log the exception"),
            "import os\r\nimport logging\r\nfor x in xs:\r\n    try:\r\n        a(x)\r\n    except:\r\n        logging.exception(\"Unhandled exception\")\r\n        continue\r\n"
        );
    }

    #[test]
    fn reports_intact_handlers_in_a_file_with_syntax_errors() {
        let text = "function broken( {\n\nexport function ok() {\n  try { a(); } catch (e) {}\n}\n";
        assert_eq!(check(ID, "src/a.ts", text).len(), 1);
        let text = "def broken(:\n    pass\n\ndef ok():\n    try:\n        a()\n    except Exception:\n        pass\n";
        assert_eq!(check(ID, "app/a.py", text).len(), 1);
    }
}
