use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Related, Severity};
use crate::engine::{Captures, FileContext};
use crate::lang::{ecma, python};
use preflight_grammars::LanguageFamily;
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

const ECMA_SQL: Words = Words {
    any_case: &["db", "database", "sqlite", "conn"],
    exact: &[
        "query",
        "execute",
        "raw",
        "Raw",
        "unsafe",
        "literal",
        "createQueryBuilder",
    ],
};
const PY_SQL: Words = Words::exact(&[
    "execute",
    "mogrify",
    "fetch",
    "raw",
    "extra",
    "sqlalchemy",
    "sqlmodel",
    "RawSQL",
    "read_sql",
]);

/// The sink's method name (`query`, `execute`, `$queryRaw`, `whereRaw`, `literal`,
/// `createQueryBuilder`, `mogrify`, `fetch…`, `raw`, `extra`, `read_sql`, `RawSQL`), the
/// modules of `text()`, or a SQLite-like receiver name (`db`, `database`, `sqlite`, `conn…`) for
/// `.run`/`.all`/`.get`/….
const TRIGGERS: Triggers = Triggers {
    ecma: ECMA_SQL,
    python: PY_SQL,
};

declare_rule! {
    /// ## What it does
    /// Flags SQL text built from runtime values — an f-string, `%` formatting, `.format()`, a
    /// template literal or string concatenation — that reaches a query API: `pool.query`,
    /// `connection.execute`, `prisma.$queryRawUnsafe`, knex `whereRaw`, TypeORM query-builder
    /// `where`, Sequelize `literal`, `db.run`/`db.all` (sqlite) in TypeScript/JavaScript;
    /// DB-API `cursor.execute`/`executemany`, asyncpg `fetch`, SQLAlchemy `text()`, Django
    /// `objects.raw`/`extra`/`RawSQL` and `pandas.read_sql` in Python. A variable that is
    /// assigned SQL and later extended with a dynamic piece (`sql += f" AND x = {x}"`) counts too.
    ///
    /// `.query`/`.execute` count only on something that looks like a database client (a file
    /// importing a driver or ORM, or a receiver named like `db`, `pool`, `connection`,
    /// `client`, `repository`, …) and only when the text looks like SQL. Parameterized queries
    /// (`$1`, `?`, `%s` with a parameter tuple, `:name`), tagged templates (``sql`…` ``,
    /// ``prisma.$queryRaw`…` ``, ``Prisma.sql`…` ``), and pieces that cannot carry user input
    /// (number literals, constants such as `const TABLE = 'audit_log'`, `int(x)`, `len(x)`,
    /// `Number(x)`, `cond ? 'ASC' : 'DESC'`, placeholder lists like `", ".join(["%s"] * n)`,
    /// identifiers passed through a quoting helper such as `quote_name(...)` or `escapeId(...)`,
    /// and `WHERE` clauses joined from a list that is only ever filled with such pieces) are not
    /// flagged. Scripts and command-line tools (`scripts/`, `bin/`, migrations, seeders, Django
    /// management commands, files importing `argparse`/`commander`, …) are not checked: what
    /// they splice in comes from their operator.
    ///
    /// ## Why is this bad?
    /// A value spliced into SQL text is parsed as SQL: a crafted value can read other rows,
    /// change data or drop tables. Placeholders make the driver send the value separately, at no
    /// cost.
    ///
    /// ## Example
    /// ```ts
    /// return pool.query(`SELECT * FROM users WHERE id = '${id}'`);
    /// ```
    /// ```python
    /// cursor.execute(f"SELECT * FROM users WHERE id = '{user_id}'")
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// return pool.query('SELECT * FROM users WHERE id = $1', [id]);
    /// ```
    /// ```python
    /// cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))
    /// ```
    ///
    /// ## Fix safety
    /// The fix is **unsafe** and offered only in narrow cases: it turns every interpolated
    /// value into a bound parameter, which breaks a query that interpolates an identifier (a
    /// table or column name). It is offered for an f-string passed straight to `execute`
    /// without parameters in a file importing exactly one of `sqlite3` (`?`) or
    /// `psycopg`/`psycopg2`/`pymysql`/`MySQLdb`/`mysql.connector` (`%s`); for a template
    /// literal passed straight to `.query`/`.execute` without parameters in a file importing
    /// `pg` (`$1`, `$2`, …) or `mysql`/`mysql2` (`?`); and for
    /// ``prisma.$queryRawUnsafe(`…`)``, which becomes the tagged ``prisma.$queryRaw`…` ``.
    /// Quotes wrapped around a value (`'{uid}'`) are removed; a value inside a larger quoted
    /// literal (`'%{q}%'`), a format specifier, a constant piece or a placeholder already in
    /// the text means no fix.
    ///
    /// ## How to silence
    /// Put `// preflight-ignore: sql-injection` (Python: `# preflight-ignore: sql-injection`) on
    /// the line above, or turn the rule off with `[rules] sql-injection = "off"` in
    /// `preflight.toml`.
    pub static RULE = Rule {
        id: "sql-injection",
        summary: "SQL built with f-strings/concatenation/templates passed to a query API",
        category: Category::Security,
        severity: Severity::Error,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Matches(check, TRIGGERS),
    };
}

/// How the SQL text was built, as the message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Construction {
    FString,
    Concatenation,
    Percent,
    Format,
    Template,
}

impl Construction {
    fn label(self) -> &'static str {
        match self {
            Self::FString => "f-string",
            Self::Concatenation => "string concatenation",
            Self::Percent => "`%` formatting",
            Self::Format => "`.format()`",
            Self::Template => "a template literal",
        }
    }
}

/// The text of a string expression with every runtime piece replaced by `?`, and how it was
/// built when at least one of those pieces can carry arbitrary input.
struct SqlText {
    text: String,
    dynamic: Option<Construction>,
}

impl SqlText {
    fn new() -> SqlText {
        SqlText {
            text: String::new(),
            dynamic: None,
        }
    }

    fn part(&mut self, safe: bool, kind: Construction) {
        self.text.push('?');
        if !safe && self.dynamic.is_none() {
            self.dynamic = Some(kind);
        }
    }
}

/// H6 SQL text test.
static SQL_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(select|insert\s+into|update|delete\s+from|replace\s+into|merge\s+into|upsert|where|values|order\s+by|group\s+by|having|join|limit|offset|returning|create\s+(table|index|view)|drop\s+(table|index|view)|alter\s+table|truncate)\b",
    )
    .expect("valid regex")
});

/// H6 stricter start test, for text reached through an assignment.
static SQL_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*\(?\s*(select|insert|update|delete|with|replace|merge|create|drop|alter|truncate)\b",
    )
    .expect("valid regex")
});

/// GraphQL documents (`query GetUser { user(where: …) }`) and URLs (`https://…/select?…`)
/// are not SQL even when they say `where` or `select`.
static NOT_SQL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(\{|(query|mutation|subscription|fragment)\b|[a-z][a-z0-9+.-]*://)")
        .expect("valid regex")
});

/// Text made only of bind placeholders, separators and parentheses: `?, ?`, `%s`, `($1, $2)`.
static PLACEHOLDERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\s,()]*((\?|%s|%\(\w+\)s|\$\d+|:\w+|@\w+)[\s,()]*)+$").expect("valid regex")
});

fn looks_like_sql(text: &str) -> bool {
    SQL_TEXT.is_match(text) && !NOT_SQL.is_match(text)
}

fn starts_like_sql(text: &str) -> bool {
    SQL_START.is_match(text)
}

/// Receivers whose name says "database": `db`, `this.pool`, `pgClient`, `usersRepository`,
/// `queryRunner`, `entityManager`, `getConnection()`.
static DB_RECEIVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^(tx|trx|sql|pg)$|(db|database|sqlite|pool|conn|connection|knex|sequelize|prisma|mysql|postgres|postgresql|transaction|runner|manager|datasource|repository|repo|client|executor|cursor)$)",
    )
    .expect("valid regex")
});

/// Calls that quote an identifier or literal for SQL: what they return is safe to splice.
const QUOTING_HELPERS: &[&str] = &[
    "quote_name",
    "quote_name_unless_alias",
    "quote_ident",
    "quote_identifier",
    "quote_literal",
    "quoteIdentifier",
    "quoteIdent",
    "quoteLiteral",
    "escapeId",
    "escapeIdentifier",
    "escapeLiteral",
    "escape",
];

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    // A script's input is its operator's: what it splices into SQL is not an attack surface.
    // Celery's `tasks.py` shares its name with invoke's task files but runs in production.
    let celery_tasks =
        cx.path().rsplit('/').next() == Some("tasks.py") && !cx.bindings().imports_module("invoke");
    if cx.class().script && !celery_tasks {
        return;
    }
    let (Some(call), Some(arguments)) = (m.get("sql.call"), m.get("sql.arguments")) else {
        return;
    };
    match cx.language().family() {
        LanguageFamily::Ecma => {
            if let Some(method) = m.get("sql.method") {
                ecma_call(cx, call, cx.node_text(method), arguments, out);
            }
        }
        LanguageFamily::Python => python_call(cx, call, arguments, out),
        LanguageFamily::Dockerfile => {}
    }
}

/// A query API call and what it requires of its SQL argument.
struct Sink<'t> {
    call: Node<'t>,
    argument: Node<'t>,
    /// The SQL text test must pass (generic method names such as `query`).
    text_test: bool,
    /// How the message names the API.
    label: String,
}

/// Reports `sink` when its argument is built dynamically, directly or through a variable.
fn report(cx: &FileContext<'_>, sink: &Sink<'_>, out: &mut Vec<Finding>) {
    let text_ok = |text: &str, reached: bool| {
        if !sink.text_test {
            return !NOT_SQL.is_match(text);
        }
        if reached {
            starts_like_sql(text)
        } else {
            looks_like_sql(text)
        }
    };
    let argument = unwrap(cx, sink.argument);
    if let Some(sql) = sql_text(cx, argument, Budget::SINK) {
        if let Some(kind) = sql.dynamic
            && text_ok(&sql.text, false)
        {
            let finding = RULE.finding(sink.argument.byte_range(), message(kind, &sink.label));
            out.push(match parameterize(cx, sink, argument) {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            });
        }
        return;
    }
    if argument.kind() != "identifier" {
        return;
    }
    // `sql = "SELECT …"` … `sql += f" AND x = {x}"` … `execute(sql)`.
    let mut is_sql = false;
    let mut built: Option<(Node<'_>, Construction)> = None;
    for value in assigned_values(cx, argument) {
        let Some(sql) = sql_text(cx, unwrap(cx, value), Budget::SINK) else {
            continue;
        };
        is_sql |= text_ok(&sql.text, true);
        if let (None, Some(kind)) = (built, sql.dynamic) {
            built = Some((value, kind));
        }
    }
    if let (true, Some((value, kind))) = (is_sql, built) {
        out.push(
            RULE.finding(argument.byte_range(), message(kind, &sink.label))
                .with_related(Related {
                    path: cx.path().to_string(),
                    range: value.byte_range(),
                    message: format!("the SQL text is built with {} here", kind.label()),
                }),
        );
    }
}

fn message(kind: Construction, sink: &str) -> String {
    format!(
        "SQL built with {} is passed to `{sink}`; use placeholders and pass values as parameters.",
        kind.label()
    )
}

fn unwrap<'t>(cx: &FileContext<'_>, node: Node<'t>) -> Node<'t> {
    match cx.language().family() {
        LanguageFamily::Python => {
            let mut node = node;
            while node.kind() == "parenthesized_expression" {
                match node.named_child(0) {
                    Some(inner) => node = inner,
                    None => break,
                }
            }
            node
        }
        _ => ecma::unwrap_expression(node),
    }
}

fn sql_text(cx: &FileContext<'_>, node: Node<'_>, b: Budget) -> Option<SqlText> {
    match cx.language().family() {
        LanguageFamily::Python => python_text(cx, node, b),
        _ => ecma_text(cx, node, b),
    }
}

/// The values assigned to `identifier` in its function (or module): declarations, plain and
/// augmented assignments, without entering nested functions.
fn assigned_values<'t>(cx: &FileContext<'t>, identifier: Node<'t>) -> Vec<Node<'t>> {
    let name = cx.node_text(identifier);
    let python = cx.language().family() == LanguageFamily::Python;
    let (scopes, assignments): (&[&str], &[&str]) = if python {
        (python::SCOPE_KINDS, &["assignment", "augmented_assignment"])
    } else {
        (
            ecma::FUNCTION_KINDS,
            &[
                "variable_declarator",
                "assignment_expression",
                "augmented_assignment_expression",
            ],
        )
    };
    let scope = crate::lang::ancestor_of_kind(identifier, scopes)
        .and_then(|f| f.child_by_field_name("body"))
        .unwrap_or_else(|| cx.tree().root_node());
    let mut values = Vec::new();
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if scopes.contains(&child.kind()) || child.kind() == "class_declaration" {
                continue;
            }
            if assignments.contains(&child.kind()) {
                let target = child
                    .child_by_field_name("left")
                    .or_else(|| child.child_by_field_name("name"));
                let value = child
                    .child_by_field_name("right")
                    .or_else(|| child.child_by_field_name("value"));
                if let (Some(target), Some(value)) = (target, value)
                    && target.kind() == "identifier"
                    && cx.node_text(target) == name
                {
                    values.push(value);
                }
            }
            stack.push(child);
        }
    }
    values.sort_by_key(|v| v.start_byte());
    values
}

/// A list variable that its function (or module) fills only with safe pieces: `clauses = []`,
/// `clauses.append("name = %s")`, `" AND ".join(clauses)` — the usual way to build a `WHERE`
/// clause with placeholders. Any other way of filling it (an element assignment, `splice`, a
/// non-literal value) makes it unknown.
fn built_list_safe(cx: &FileContext<'_>, identifier: Node<'_>, b: Budget) -> bool {
    let Some(b) = b.deeper().and_then(Budget::scan) else {
        return false;
    };
    let python = cx.language().family() == LanguageFamily::Python;
    let name = cx.node_text(identifier);
    let scopes = if python {
        python::SCOPE_KINDS
    } else {
        ecma::FUNCTION_KINDS
    };
    let safe = |n: Node<'_>| {
        if python {
            python_safe(cx, n, b)
        } else {
            ecma_safe(cx, n, b)
        }
    };
    let literal_of_safe = |n: Node<'_>| {
        let n = unwrap(cx, n);
        let mut cursor = n.walk();
        matches!(n.kind(), "list" | "tuple" | "array")
            && n.named_children(&mut cursor)
                .all(|e| e.kind() == "comment" || safe(e))
    };
    let is_name = |n: Option<Node<'_>>| {
        n.is_some_and(|n| n.kind() == "identifier" && cx.node_text(n) == name)
    };
    let scope = crate::lang::ancestor_of_kind(identifier, scopes)
        .and_then(|f| f.child_by_field_name("body"))
        .unwrap_or_else(|| cx.tree().root_node());
    let mut initialised = false;
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if scopes.contains(&child.kind()) {
                continue;
            }
            stack.push(child);
            match child.kind() {
                "assignment"
                | "augmented_assignment"
                | "variable_declarator"
                | "assignment_expression"
                | "augmented_assignment_expression" => {
                    let target = child
                        .child_by_field_name("left")
                        .or_else(|| child.child_by_field_name("name"));
                    let value = child
                        .child_by_field_name("right")
                        .or_else(|| child.child_by_field_name("value"));
                    if is_name(target) {
                        if !value.is_some_and(literal_of_safe) {
                            return false;
                        }
                        initialised |= matches!(
                            child.kind(),
                            "assignment" | "variable_declarator" | "assignment_expression"
                        );
                    } else if target.is_some_and(|t| {
                        matches!(t.kind(), "subscript" | "subscript_expression")
                            && is_name(
                                t.child_by_field_name("value")
                                    .or_else(|| t.child_by_field_name("object")),
                            )
                    }) {
                        return false; // `clauses[0] = …`
                    }
                }
                "call" | "call_expression" => {
                    let Some(function) = child.child_by_field_name("function") else {
                        continue;
                    };
                    if !matches!(function.kind(), "attribute" | "member_expression")
                        || !is_name(function.child_by_field_name("object"))
                    {
                        continue;
                    }
                    let method = function
                        .child_by_field_name("attribute")
                        .or_else(|| function.child_by_field_name("property"))
                        .map(|m| cx.node_text(m))
                        .unwrap_or_default();
                    let arguments: Vec<Node<'_>> = child
                        .child_by_field_name("arguments")
                        .map(|a| {
                            let mut cursor = a.walk();
                            a.named_children(&mut cursor)
                                .filter(|n| n.kind() != "comment")
                                .collect()
                        })
                        .unwrap_or_default();
                    let ok = match method {
                        "append" | "push" | "unshift" | "add" => arguments.iter().all(|a| safe(*a)),
                        "insert" => arguments.iter().skip(1).all(|a| safe(*a)),
                        "extend" => arguments.iter().all(|a| literal_of_safe(*a)),
                        "splice" | "fill" | "__setitem__" => false,
                        _ => true,
                    };
                    if !ok {
                        return false;
                    }
                }
                _ => {}
            }
        }
    }
    initialised
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

/// Modules whose import makes `.query`/`.execute`/`.raw`/`.unsafe` a database call.
const ECMA_DB_MODULES: &[&str] = &[
    "pg",
    "pg-pool",
    "pg-promise",
    "postgres",
    "mysql",
    "mysql2",
    "mysql2/promise",
    "mariadb",
    "knex",
    "sequelize",
    "@sequelize/core",
    "typeorm",
    "@nestjs/typeorm",
    "@prisma/client",
    "sqlite",
    "sqlite3",
    "better-sqlite3",
    "@libsql/client",
    "mssql",
    "tedious",
    "oracledb",
    "slonik",
    "kysely",
    "drizzle-orm",
    "@neondatabase/serverless",
    "@vercel/postgres",
    "@planetscale/database",
    "@databases/pg",
    "@databases/mysql",
    "@mikro-orm/core",
    "@mikro-orm/postgresql",
    "@mikro-orm/mysql",
    "duckdb",
    "snowflake-sdk",
    "@google-cloud/bigquery",
];

/// Receivers that are never database clients, whatever the file imports.
const ECMA_NOT_DB: &[&str] = &[
    "$",
    "jQuery",
    "req",
    "request",
    "url",
    "URL",
    "qs",
    "querystring",
    "router",
    "route",
];

fn ecma_call(
    cx: &FileContext<'_>,
    call: Node<'_>,
    method: &str,
    arguments: Node<'_>,
    out: &mut Vec<Finding>,
) {
    let text = cx.text();
    let Some(function) = call.child_by_field_name("function") else {
        return;
    };
    let mut cursor = arguments.walk();
    let Some(argument) = arguments
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment")
    else {
        return;
    };
    let path = ecma::callee_path(function, text);
    let receiver = function.child_by_field_name("object");
    let receiver_name = receiver
        .and_then(|r| ecma::callee_path(r, text))
        .map(|p| last_segment(&p).to_string())
        .unwrap_or_default();
    let text_test = match method {
        "query" | "execute" | "raw" | "unsafe" => {
            if receiver.is_none() || ECMA_NOT_DB.contains(&receiver_name.as_str()) {
                return;
            }
            let imports_db = ECMA_DB_MODULES
                .iter()
                .any(|m| cx.bindings().imports_module(m));
            if !imports_db && !DB_RECEIVER.is_match(&receiver_name) {
                return;
            }
            true
        }
        "$queryRawUnsafe" | "$executeRawUnsafe" | "$queryRaw" | "$executeRaw" | "whereRaw"
        | "orWhereRaw" | "andWhereRaw" | "havingRaw" | "orHavingRaw" | "orderByRaw"
        | "groupByRaw" | "joinRaw" | "fromRaw" => false,
        "literal" => {
            let canonical = path
                .as_deref()
                .map(|p| cx.bindings().canonical(p))
                .unwrap_or_default();
            let sequelize = canonical.starts_with("sequelize#")
                || canonical.starts_with("@sequelize/core#")
                || path
                    .as_deref()
                    .is_some_and(|p| p == "Sequelize.literal" || p == "sequelize.literal");
            if !sequelize {
                return;
            }
            false
        }
        "exec" | "prepare" | "run" | "all" | "get" | "each" => {
            static SQLITE_RECEIVER: LazyLock<Regex> = LazyLock::new(|| {
                Regex::new(r"(?i)^(db|database|sqlite|conn|connection)$").expect("valid regex")
            });
            if !SQLITE_RECEIVER.is_match(&receiver_name) {
                return;
            }
            true
        }
        "where" | "andWhere" | "orWhere" | "having" | "andHaving" | "orHaving" => {
            if !receiver.is_some_and(|r| chain_has_query_builder(cx, r)) {
                return;
            }
            false
        }
        _ => return,
    };
    let label = match path {
        Some(path) if !path.contains("()") => path,
        _ => method.to_string(),
    };
    let sink = Sink {
        call,
        argument,
        text_test,
        label,
    };
    report(cx, &sink, out);
}

fn last_segment(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.trim_end_matches("()")
}

/// `dataSource.createQueryBuilder(User, 'u').leftJoin(…)` — a TypeORM query builder chain.
fn chain_has_query_builder(cx: &FileContext<'_>, receiver: Node<'_>) -> bool {
    let mut node = receiver;
    loop {
        node = ecma::unwrap_expression(node);
        match node.kind() {
            "call_expression" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return false;
                };
                if ecma::callee_path(function, cx.text())
                    .is_some_and(|p| p.ends_with("createQueryBuilder"))
                {
                    return true;
                }
                node = function;
            }
            "member_expression" => match node.child_by_field_name("object") {
                Some(object) => node = object,
                None => return false,
            },
            _ => return false,
        }
    }
}

/// Whether `node` is a template literal used as a tag's argument (``sql`…` ``): parameterized.
fn is_tagged(node: Node<'_>) -> bool {
    node.parent().is_some_and(|parent| {
        parent.kind() == "call_expression"
            && parent
                .child_by_field_name("arguments")
                .is_some_and(|a| a == node)
    })
}

fn ecma_text(cx: &FileContext<'_>, node: Node<'_>, b: Budget) -> Option<SqlText> {
    let text = cx.text();
    match node.kind() {
        "string" => Some(SqlText {
            text: ecma::static_string(node, text)?,
            dynamic: None,
        }),
        "template_string" => {
            if is_tagged(node) {
                return None;
            }
            let mut sql = SqlText::new();
            ecma_template(cx, node, Construction::Template, &mut sql, b);
            Some(sql)
        }
        "binary_expression" => {
            let mut sql = SqlText::new();
            let mut has_string = false;
            // Leaves of the `+` chain, left to right, without recursion.
            let mut stack = vec![node];
            while let Some(leaf) = stack.pop() {
                let leaf = ecma::unwrap_expression(leaf);
                let operator = leaf
                    .child_by_field_name("operator")
                    .map(|o| cx.node_text(o));
                if leaf.kind() == "binary_expression" {
                    if operator != Some("+") {
                        // `a + (b * c)`: an arithmetic piece, judged as a whole.
                        if leaf == node {
                            return None;
                        }
                        sql.part(false, Construction::Concatenation);
                        continue;
                    }
                    if let (Some(left), Some(right)) = (
                        leaf.child_by_field_name("left"),
                        leaf.child_by_field_name("right"),
                    ) {
                        stack.push(right);
                        stack.push(left);
                    }
                    continue;
                }
                match leaf.kind() {
                    "string" => {
                        has_string = true;
                        sql.text.push_str(&ecma::static_string(leaf, text)?);
                    }
                    "template_string" if !is_tagged(leaf) => {
                        has_string = true;
                        ecma_template(cx, leaf, Construction::Concatenation, &mut sql, b);
                    }
                    _ => sql.part(ecma_safe(cx, leaf, b), Construction::Concatenation),
                }
            }
            has_string.then_some(sql)
        }
        "call_expression" => {
            // `'SELECT … '.concat(x)`.
            let function = node.child_by_field_name("function")?;
            if function.kind() != "member_expression"
                || cx.node_text(function.child_by_field_name("property")?) != "concat"
            {
                return None;
            }
            let receiver = ecma::static_string(function.child_by_field_name("object")?, text)?;
            let mut sql = SqlText {
                text: receiver,
                dynamic: None,
            };
            let arguments = node.child_by_field_name("arguments")?;
            let mut cursor = arguments.walk();
            for argument in arguments.named_children(&mut cursor) {
                match ecma::static_string(argument, text) {
                    Some(s) => sql.text.push_str(&s),
                    None => sql.part(ecma_safe(cx, argument, b), Construction::Concatenation),
                }
            }
            Some(sql)
        }
        _ => None,
    }
}

fn ecma_template(
    cx: &FileContext<'_>,
    node: Node<'_>,
    kind: Construction,
    sql: &mut SqlText,
    b: Budget,
) {
    let mut cursor = node.walk();
    for part in node.named_children(&mut cursor) {
        match part.kind() {
            "string_fragment" => sql.text.push_str(cx.node_text(part)),
            "escape_sequence" => sql
                .text
                .push_str(&crate::lang::decode_escapes(cx.node_text(part))),
            "template_substitution" => {
                let safe = part.named_child(0).is_some_and(|e| ecma_safe(cx, e, b));
                sql.part(safe, kind);
            }
            _ => {}
        }
    }
}

/// How far the "can this piece carry arbitrary text?" question may look: one hop through a
/// variable (H3), two scans for how a list is filled, and a few levels of nesting, so that no
/// input makes it recurse deeply or rescan a function over and over.
#[derive(Debug, Clone, Copy)]
struct Budget {
    hops: u8,
    /// Scans of a function body for what a list is filled with.
    scans: u8,
    depth: u8,
}

impl Budget {
    const SINK: Budget = Budget {
        hops: 1,
        scans: 2,
        depth: 10,
    };

    fn deeper(self) -> Option<Budget> {
        Some(Budget {
            depth: self.depth.checked_sub(1)?,
            ..self
        })
    }

    fn scan(self) -> Option<Budget> {
        Some(Budget {
            scans: self.scans.checked_sub(1)?,
            ..self
        })
    }

    fn hop(self) -> Option<Budget> {
        Some(Budget {
            hops: self.hops.checked_sub(1)?,
            ..self
        })
    }
}

/// A piece that cannot carry arbitrary text (H6: numbers, constants, `Number(x)`, placeholder
/// lists; plus ternaries of such pieces, `.length`, arithmetic, quoting helpers, and strings
/// built only from such pieces).
fn ecma_safe(cx: &FileContext<'_>, node: Node<'_>, b: Budget) -> bool {
    let Some(b) = b.deeper() else {
        return false;
    };
    let text = cx.text();
    let node = ecma::unwrap_expression(node);
    match node.kind() {
        "number" => true,
        "string" => true,
        "template_string" => {
            !is_tagged(node) && ecma_text(cx, node, b).is_some_and(|t| t.dynamic.is_none())
        }
        "binary_expression" => {
            let operator = node
                .child_by_field_name("operator")
                .map(|o| cx.node_text(o))
                .unwrap_or_default();
            match operator {
                // Always a number.
                "-" | "*" | "/" | "%" | "**" => true,
                "+" => ecma_text(cx, node, b).is_some_and(|t| t.dynamic.is_none()),
                _ => false,
            }
        }
        "identifier" => b.hop().is_some_and(|b| {
            ecma::resolve_const(node, text).is_some_and(|value| ecma_safe(cx, value, b))
        }),
        "member_expression" => node
            .child_by_field_name("property")
            .is_some_and(|p| cx.node_text(p) == "length"),
        "ternary_expression" => {
            node.child_by_field_name("consequence")
                .is_some_and(|n| ecma_safe(cx, n, b))
                && node
                    .child_by_field_name("alternative")
                    .is_some_and(|n| ecma_safe(cx, n, b))
        }
        "call_expression" => {
            let path = node
                .child_by_field_name("function")
                .and_then(|f| ecma::callee_path(f, text))
                .unwrap_or_default();
            matches!(path.as_str(), "Number" | "parseInt" | "parseFloat")
                || QUOTING_HELPERS.contains(&last_segment(&path))
                || ecma_constant_list(cx, node, b)
        }
        _ => false,
    }
}

/// A `.join()` of pieces that are all safe: `ids.map(() => '?').join(',')`,
/// ``ids.map((_, i) => `$${i + 1}`).join(', ')``, `Array(n).fill('?').join(',')`,
/// `['a', 'b'].join(', ')`.
fn ecma_constant_list(cx: &FileContext<'_>, join: Node<'_>, b: Budget) -> bool {
    let text = cx.text();
    // (receiver, first argument) of `receiver.name(argument, …)`.
    fn method<'t>(
        cx: &FileContext<'_>,
        call: Node<'t>,
        name: &str,
    ) -> Option<(Node<'t>, Option<Node<'t>>)> {
        let call = ecma::unwrap_expression(call);
        if call.kind() != "call_expression" {
            return None;
        }
        let function = call.child_by_field_name("function")?;
        if function.kind() != "member_expression"
            || cx.node_text(function.child_by_field_name("property")?) != name
        {
            return None;
        }
        let first = call.child_by_field_name("arguments")?.named_child(0);
        Some((function.child_by_field_name("object")?, first))
    }
    // ``(_, i) => `$${i + 1}` ``: numbered placeholders, whatever the index expression.
    let numbered_placeholder = |n: Node<'_>| -> bool {
        let n = ecma::unwrap_expression(n);
        if n.kind() != "template_string" {
            return false;
        }
        let mut out = String::new();
        let mut cursor = n.walk();
        for part in n.named_children(&mut cursor) {
            match part.kind() {
                "string_fragment" => out.push_str(&text[part.byte_range()]),
                "template_substitution" => out.push('1'),
                _ => return false,
            }
        }
        PLACEHOLDERS.is_match(&out)
    };
    let Some((list, separator)) = method(cx, join, "join") else {
        return false;
    };
    if separator.is_some_and(|s| ecma::static_string(s, text).is_none()) {
        return false;
    }
    if let Some((_, Some(callback))) = method(cx, list, "map") {
        return matches!(callback.kind(), "arrow_function" | "function_expression")
            && callback.child_by_field_name("body").is_some_and(|body| {
                body.kind() != "statement_block"
                    && (numbered_placeholder(body) || ecma_safe(cx, body, b))
            });
    }
    if let Some((_, Some(value))) = method(cx, list, "fill") {
        return ecma_safe(cx, value, b);
    }
    let list = ecma::unwrap_expression(list);
    match list.kind() {
        "array" => {
            let mut cursor = list.walk();
            list.named_children(&mut cursor)
                .all(|element| ecma_safe(cx, element, b))
        }
        "identifier" => built_list_safe(cx, list, b),
        _ => false,
    }
}

/// The fixes of RULES.md §4.5 for TypeScript/JavaScript and Python.
fn parameterize(cx: &FileContext<'_>, sink: &Sink<'_>, argument: Node<'_>) -> Option<Fix> {
    match cx.language().family() {
        LanguageFamily::Python => python_parameterize(cx, sink, argument),
        _ => ecma_parameterize(cx, sink, argument),
    }
}

/// A piece of SQL text being rewritten: literal source text, or an interpolated expression.
enum Piece {
    Literal(String),
    Value(String),
}

/// Drops quotes wrapped around a value (`'{uid}'`) and refuses values inside a larger quoted
/// literal (`'%{q}%'`), where a placeholder would not be bound.
fn unquote(pieces: &mut [Piece]) -> Option<()> {
    let n = pieces.len();
    // `"{col}"`, `` `{table}` ``, `[{name}]`, `{schema}.users`, `t.{col}`: an identifier, which a
    // placeholder cannot stand for.
    for i in 0..n {
        if !matches!(pieces[i], Piece::Value(_)) {
            continue;
        }
        let before = i.checked_sub(1).and_then(|j| match &pieces[j] {
            Piece::Literal(l) => l.chars().next_back(),
            Piece::Value(_) => None,
        });
        let after = pieces.get(i + 1).and_then(|p| match p {
            Piece::Literal(l) => l.chars().next(),
            Piece::Value(_) => None,
        });
        if matches!(before, Some('"' | '`' | '[' | '.'))
            || matches!(after, Some('"' | '`' | ']' | '.'))
        {
            return None;
        }
    }
    let mut strip: Vec<(bool, bool)> = vec![(false, false); n]; // (strip end, strip start)
    for i in 0..n {
        if !matches!(pieces[i], Piece::Value(_)) || i == 0 || i + 1 >= n {
            continue;
        }
        if let (Piece::Literal(before), Piece::Literal(after)) = (&pieces[i - 1], &pieces[i + 1])
            && before.ends_with('\'')
            && after.starts_with('\'')
        {
            strip[i - 1].0 = true;
            strip[i + 1].1 = true;
        }
    }
    for (piece, (end, start)) in pieces.iter_mut().zip(strip) {
        if let Piece::Literal(literal) = piece {
            if end && start && literal.len() < 2 {
                return None;
            }
            if end {
                literal.pop();
            }
            if start {
                literal.remove(0);
            }
        }
    }
    let mut quoted = false;
    for piece in pieces.iter() {
        match piece {
            Piece::Literal(literal) => {
                quoted ^= literal.matches('\'').count() % 2 == 1;
            }
            Piece::Value(_) if quoted => return None,
            Piece::Value(_) => {}
        }
    }
    Some(())
}

/// Whether an argument list holds exactly one argument.
fn single_argument(arguments: Node<'_>) -> bool {
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .count()
        == 1
}

fn ecma_parameterize(cx: &FileContext<'_>, sink: &Sink<'_>, argument: Node<'_>) -> Option<Fix> {
    if argument.kind() != "template_string" || argument != sink.argument {
        return None;
    }
    let arguments = sink.call.child_by_field_name("arguments")?;
    if !single_argument(arguments) {
        return None;
    }
    let function = sink.call.child_by_field_name("function")?;
    let property = function.child_by_field_name("property")?;
    let method = cx.node_text(property);
    let mut pieces = Vec::new();
    let mut cursor = argument.walk();
    for part in argument.named_children(&mut cursor) {
        match part.kind() {
            "string_fragment" | "escape_sequence" => {
                pieces.push(Piece::Literal(cx.node_text(part).to_string()))
            }
            "template_substitution" => {
                let expression = part.named_child(0)?;
                if ecma_safe(cx, expression, Budget::SINK) {
                    return None; // a constant: probably an identifier, not a value
                }
                pieces.push(Piece::Value(cx.node_text(expression).to_string()));
            }
            _ => return None,
        }
    }
    merge_literals(&mut pieces);
    unquote(&mut pieces)?;
    if matches!(method, "$queryRawUnsafe" | "$executeRawUnsafe") {
        let tagged = method.trim_end_matches("Unsafe");
        let mut template = String::from("`");
        for piece in &pieces {
            match piece {
                Piece::Literal(l) => template.push_str(l),
                Piece::Value(v) => {
                    template.push_str("${");
                    template.push_str(v);
                    template.push('}');
                }
            }
        }
        template.push('`');
        return Some(Fix::unsafe_(
            format!("Use the tagged template `{tagged}`, which binds the values"),
            vec![
                Edit::replace(property.byte_range(), tagged),
                Edit::replace(arguments.byte_range(), template),
            ],
        ));
    }
    if !matches!(method, "query" | "execute") {
        return None;
    }
    let bindings = cx.bindings();
    let pg = bindings.imports_module("pg");
    let mysql = ["mysql", "mysql2", "mysql2/promise"]
        .iter()
        .any(|m| bindings.imports_module(m));
    let numbered = match (pg, mysql) {
        (true, false) => true,
        (false, true) => false,
        _ => return None,
    };
    if placeholders_in_text(&pieces, numbered) {
        return None;
    }
    let mut template = String::from("`");
    let mut values = Vec::new();
    for piece in &pieces {
        match piece {
            Piece::Literal(l) => template.push_str(l),
            Piece::Value(v) => {
                values.push(v.as_str());
                if numbered {
                    template.push_str(&format!("${}", values.len()));
                } else {
                    template.push('?');
                }
            }
        }
    }
    template.push('`');
    Some(Fix::unsafe_(
        "Pass the values as query parameters",
        vec![
            Edit::replace(argument.byte_range(), template),
            Edit::insert(argument.end_byte(), format!(", [{}]", values.join(", "))),
        ],
    ))
}

/// Whether the SQL text already holds a placeholder (`?`, or `$1` when `numbered`): the new
/// parameters would be bound to the wrong places.
fn placeholders_in_text(pieces: &[Piece], numbered: bool) -> bool {
    static NUMBERED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\$\d").expect("valid regex"));
    pieces.iter().any(|piece| match piece {
        Piece::Literal(literal) if numbered => NUMBERED.is_match(literal),
        Piece::Literal(literal) => literal.contains('?'),
        Piece::Value(_) => false,
    })
}

fn merge_literals(pieces: &mut Vec<Piece>) {
    let mut merged: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces.drain(..) {
        match (merged.last_mut(), piece) {
            (Some(Piece::Literal(last)), Piece::Literal(next)) => last.push_str(&next),
            (_, piece) => merged.push(piece),
        }
    }
    *pieces = merged;
}

// ---------------------------------------------------------------------------------------------
// Python

/// Canonical callees whose first argument is SQL text.
const PY_SQL_FUNCTIONS: &[&str] = &[
    "sqlalchemy.text",
    "sqlalchemy.sql.text",
    "sqlalchemy.sql.expression.text",
    "sqlmodel.text",
    "django.db.models.expressions.RawSQL",
    "django.db.models.RawSQL",
    "pandas.read_sql",
    "pandas.read_sql_query",
];

fn python_call(cx: &FileContext<'_>, call: Node<'_>, arguments: Node<'_>, out: &mut Vec<Finding>) {
    let text = cx.text();
    let Some(function) = call.child_by_field_name("function") else {
        return;
    };
    let Some(path) = python::callee_path(function, text) else {
        return;
    };
    let canonical = cx.bindings().canonical(&path);
    let method = last_segment(&path);
    let segments: Vec<&str> = path.split('.').collect();
    let receiver = segments
        .len()
        .checked_sub(2)
        .map(|i| segments[i].trim_end_matches("()"))
        .unwrap_or_default();
    let is_attribute = function.kind() == "attribute";
    let text_test = if PY_SQL_FUNCTIONS.contains(&canonical.as_str())
        || (receiver == "pd" && matches!(method, "read_sql" | "read_sql_query"))
    {
        false
    } else if !is_attribute {
        return;
    } else {
        match method {
            "execute" | "executemany" | "executescript" | "mogrify" => true,
            "fetch" | "fetchrow" | "fetchval" => {
                static ASYNCPG_RECEIVER: LazyLock<Regex> = LazyLock::new(|| {
                    Regex::new(r"(?i)(^(con|tx)$|conn|connection|pool|db|database|transaction)$")
                        .expect("valid regex")
                });
                if !cx.bindings().imports_module("asyncpg") && !ASYNCPG_RECEIVER.is_match(receiver)
                {
                    return;
                }
                true
            }
            "raw" => {
                if !segments[..segments.len() - 1]
                    .iter()
                    .any(|s| s.trim_end_matches("()") == "objects")
                {
                    return;
                }
                false
            }
            "extra" => {
                let django = segments.contains(&"objects")
                    || segments.contains(&"objects()")
                    || cx.bindings().imports_module("django");
                if django {
                    django_extra(cx, call, &path, arguments, out);
                }
                return;
            }
            _ => return,
        }
    };
    let argument = ["sql", "query", "statement", "operation"]
        .iter()
        .find_map(|k| python::keyword_argument(arguments, k, text))
        .or_else(|| python::positional_arguments(arguments).into_iter().next());
    let Some(argument) = argument else {
        return;
    };
    let label = if path.contains("()") {
        method.to_string()
    } else {
        path.clone()
    };
    report(
        cx,
        &Sink {
            call,
            argument,
            text_test,
            label,
        },
        out,
    );
}

/// `qs.extra(where=[f"…"], select={"x": "…" % y})`: every element is SQL.
fn django_extra(
    cx: &FileContext<'_>,
    call: Node<'_>,
    path: &str,
    arguments: Node<'_>,
    out: &mut Vec<Finding>,
) {
    for keyword in ["where", "select", "tables", "order_by"] {
        let Some(value) = python::keyword_argument(arguments, keyword, cx.text()) else {
            continue;
        };
        let mut cursor = value.walk();
        let elements: Vec<Node<'_>> = match value.kind() {
            "list" | "tuple" => value.named_children(&mut cursor).collect(),
            "dictionary" => value
                .named_children(&mut cursor)
                .filter_map(|pair| pair.child_by_field_name("value"))
                .collect(),
            _ => continue,
        };
        for element in elements {
            let sink = Sink {
                call,
                argument: element,
                text_test: false,
                label: if path.contains("()") {
                    "extra".to_string()
                } else {
                    path.to_string()
                },
            };
            report(cx, &sink, out);
        }
    }
}

fn python_text(cx: &FileContext<'_>, node: Node<'_>, b: Budget) -> Option<SqlText> {
    match node.kind() {
        "string" | "concatenated_string" => {
            let mut sql = SqlText::new();
            python_string(cx, node, Construction::FString, &mut sql, b)?;
            Some(sql)
        }
        "binary_operator" => {
            let operator = cx.node_text(node.child_by_field_name("operator")?);
            match operator {
                "%" => percent_format(cx, node, b),
                "+" => {
                    let mut sql = SqlText::new();
                    let mut has_string = false;
                    let mut stack = vec![node];
                    while let Some(leaf) = stack.pop() {
                        let leaf = unwrap(cx, leaf);
                        if leaf.kind() == "binary_operator"
                            && leaf
                                .child_by_field_name("operator")
                                .is_some_and(|o| cx.node_text(o) == "+")
                        {
                            if let (Some(left), Some(right)) = (
                                leaf.child_by_field_name("left"),
                                leaf.child_by_field_name("right"),
                            ) {
                                stack.push(right);
                                stack.push(left);
                            }
                            continue;
                        }
                        if matches!(leaf.kind(), "string" | "concatenated_string") {
                            has_string = true;
                            python_string(cx, leaf, Construction::Concatenation, &mut sql, b)?;
                        } else {
                            sql.part(python_safe(cx, leaf, b), Construction::Concatenation);
                        }
                    }
                    has_string.then_some(sql)
                }
                _ => None,
            }
        }
        "call" => {
            // `"… {} …".format(x)`.
            let function = node.child_by_field_name("function")?;
            if function.kind() != "attribute"
                || cx.node_text(function.child_by_field_name("attribute")?) != "format"
            {
                return None;
            }
            let template = python_static(cx, function.child_by_field_name("object")?)?;
            static FIELD: LazyLock<Regex> =
                LazyLock::new(|| Regex::new(r"\{[^{}]*\}").expect("valid regex"));
            let mut sql = SqlText {
                text: FIELD.replace_all(&template, "?").into_owned(),
                dynamic: None,
            };
            let arguments = node.child_by_field_name("arguments")?;
            let mut cursor = arguments.walk();
            for argument in arguments.named_children(&mut cursor) {
                let value = match argument.kind() {
                    "keyword_argument" => argument.child_by_field_name("value")?,
                    "comment" => continue,
                    _ => argument,
                };
                let safe = !matches!(value.kind(), "list_splat" | "dictionary_splat")
                    && python_safe(cx, value, b);
                if !safe && sql.dynamic.is_none() {
                    sql.dynamic = Some(Construction::Format);
                }
            }
            Some(sql)
        }
        _ => None,
    }
}

/// H1, or a name bound once to a static string (H3): `QUERY % user_id` with
/// `QUERY = "SELECT … %s"`.
fn python_static(cx: &FileContext<'_>, node: Node<'_>) -> Option<String> {
    let node = unwrap(cx, node);
    if node.kind() == "identifier" {
        return python::static_string(python_resolve(cx, node)?, cx.text());
    }
    python::static_string(node, cx.text())
}

/// Appends a string or implicit concatenation of strings; f-string interpolations are pieces.
fn python_string(
    cx: &FileContext<'_>,
    node: Node<'_>,
    kind: Construction,
    sql: &mut SqlText,
    b: Budget,
) -> Option<()> {
    let strings: Vec<Node<'_>> = if node.kind() == "concatenated_string" {
        let mut cursor = node.walk();
        node.named_children(&mut cursor).collect()
    } else {
        vec![node]
    };
    for string in strings {
        let mut cursor = string.walk();
        let interpolated = string
            .named_children(&mut cursor)
            .any(|c| c.kind() == "interpolation");
        if !interpolated {
            sql.text
                .push_str(&python::static_string(string, cx.text())?);
            continue;
        }
        let mut cursor = string.walk();
        for part in string.named_children(&mut cursor) {
            match part.kind() {
                "string_content" => sql
                    .text
                    .push_str(&cx.node_text(part).replace("{{", "{").replace("}}", "}")),
                "interpolation" => {
                    let safe = part
                        .child_by_field_name("expression")
                        .is_some_and(|e| python_safe(cx, e, b));
                    sql.part(safe, kind);
                }
                _ => {}
            }
        }
    }
    Some(())
}

/// `"… %s …" % value`: the conversions of a static template and the values they take.
fn percent_format(cx: &FileContext<'_>, node: Node<'_>, b: Budget) -> Option<SqlText> {
    static CONVERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"%(\([^)]*\))?[#0 +-]*(\*|\d+)?(\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
            .expect("valid regex")
    });
    let template = python_static(cx, node.child_by_field_name("left")?)?;
    let right = unwrap(cx, node.child_by_field_name("right")?);
    let mut numeric = Vec::new();
    let text = CONVERSION
        .replace_all(&template, |caps: &regex::Captures<'_>| {
            let conversion = &caps[5];
            if conversion == "%" {
                return "%".to_string();
            }
            numeric.push(matches!(
                conversion,
                "d" | "i" | "o" | "u" | "x" | "X" | "e" | "E" | "f" | "F" | "g" | "G"
            ));
            "?".to_string()
        })
        .into_owned();
    let mut sql = SqlText {
        text,
        dynamic: None,
    };
    let mut cursor = right.walk();
    let values: Vec<Node<'_>> = match right.kind() {
        "tuple" => right.named_children(&mut cursor).collect(),
        "dictionary" => right
            .named_children(&mut cursor)
            .filter_map(|pair| pair.child_by_field_name("value"))
            .collect(),
        _ => vec![right],
    };
    let all_numeric = !numeric.is_empty() && numeric.iter().all(|n| *n);
    let positional = right.kind() != "dictionary" && values.len() == numeric.len();
    for (index, value) in values.iter().enumerate() {
        let numeric_slot = all_numeric || (positional && numeric[index]);
        let safe = numeric_slot
            || (!matches!(value.kind(), "list_splat" | "dictionary_splat")
                && python_safe(cx, *value, b));
        if !safe && sql.dynamic.is_none() {
            sql.dynamic = Some(Construction::Percent);
        }
    }
    Some(sql)
}

/// A piece that cannot carry arbitrary text (H6: numbers, constants, `int(x)`, `len(x)`,
/// placeholder lists; plus conditionals of such pieces, arithmetic with a number, quoting
/// helpers, and strings built only from such pieces).
fn python_safe(cx: &FileContext<'_>, node: Node<'_>, b: Budget) -> bool {
    let Some(b) = b.deeper() else {
        return false;
    };
    let text = cx.text();
    let node = unwrap(cx, node);
    match node.kind() {
        "integer" | "float" | "true" | "false" | "none" => true,
        "string" | "concatenated_string" => {
            python_text(cx, node, b).is_some_and(|t| t.dynamic.is_none())
        }
        "binary_operator" => {
            let operator = node
                .child_by_field_name("operator")
                .map(|o| cx.node_text(o))
                .unwrap_or_default();
            let number = |side: &str| {
                node.child_by_field_name(side)
                    .is_some_and(|n| matches!(unwrap(cx, n).kind(), "integer" | "float"))
            };
            match operator {
                // With a number on either side the result is a number (or a `TypeError`).
                "-" | "/" | "//" => true,
                "+" if number("left") || number("right") => true,
                "+" | "%" => python_text(cx, node, b).is_some_and(|t| t.dynamic.is_none()),
                _ => false,
            }
        }
        "identifier" => b.hop().is_some_and(|b| {
            python_resolve(cx, node).is_some_and(|value| python_safe(cx, value, b))
        }),
        "conditional_expression" => {
            node.named_child(0).is_some_and(|n| python_safe(cx, n, b))
                && node.named_child(2).is_some_and(|n| python_safe(cx, n, b))
        }
        "call" => {
            let path = node
                .child_by_field_name("function")
                .and_then(|f| python::callee_path(f, text))
                .unwrap_or_default();
            matches!(path.as_str(), "int" | "float" | "len")
                || QUOTING_HELPERS.contains(&last_segment(&path))
                || python_text(cx, node, b).is_some_and(|t| t.dynamic.is_none())
                || python_constant_list(cx, node, b)
        }
        _ => false,
    }
}

/// H3 for Python, falling back to a single module-level assignment for a name the function
/// neither assigns nor takes as a parameter (`TABLE = "audit_log"` used in a function).
fn python_resolve<'t>(cx: &FileContext<'t>, identifier: Node<'t>) -> Option<Node<'t>> {
    let text = cx.text();
    if let Some(value) = python::resolve_assignment(identifier, text) {
        return Some(value);
    }
    let name = cx.node_text(identifier);
    let mut function = crate::lang::ancestor_of_kind(identifier, python::SCOPE_KINDS)?;
    if !assigned_values(cx, identifier).is_empty() {
        return None;
    }
    // Parameters of every enclosing function shadow the module.
    loop {
        if let Some(parameters) = function.child_by_field_name("parameters") {
            let mut cursor = parameters.walk();
            let declared = parameters.named_children(&mut cursor).any(|p| {
                let name_node = match p.kind() {
                    "identifier" => Some(p),
                    _ => p
                        .child_by_field_name("name")
                        .or_else(|| p.named_child(0))
                        .filter(|n| n.kind() == "identifier"),
                };
                name_node.is_some_and(|n| cx.node_text(n) == name)
            });
            if declared {
                return None;
            }
        }
        match crate::lang::ancestor_of_kind(function, python::SCOPE_KINDS) {
            Some(outer) => function = outer,
            None => break,
        }
    }
    let root = cx.tree().root_node();
    let mut found = None;
    let mut count = 0;
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        if statement.kind() != "expression_statement" {
            continue;
        }
        let Some(assignment) = statement.named_child(0) else {
            continue;
        };
        let target = assignment.child_by_field_name("left");
        if !target.is_some_and(|t| t.kind() == "identifier" && cx.node_text(t) == name) {
            continue;
        }
        match assignment.kind() {
            "assignment" => {
                count += 1;
                found = assignment.child_by_field_name("right");
            }
            "augmented_assignment" => return None,
            _ => {}
        }
    }
    if count == 1 { found } else { None }
}

/// A `.join()` of pieces that are all safe: `", ".join(["%s"] * len(ids))`,
/// `",".join("?" * n)`, `", ".join("?" for _ in ids)`, `", ".join(qn(c) for c in cols)`.
fn python_constant_list(cx: &FileContext<'_>, node: Node<'_>, b: Budget) -> bool {
    let text = cx.text();
    let Some(function) = node.child_by_field_name("function") else {
        return false;
    };
    let joins_on_a_literal = function.kind() == "attribute"
        && function
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.node_text(a) == "join")
        && function
            .child_by_field_name("object")
            .is_some_and(|o| python::static_string(o, text).is_some());
    if !joins_on_a_literal {
        return false;
    }
    // `", ".join(x for x in xs)`: the generator is the argument list itself.
    let Some(argument) = node.child_by_field_name("arguments").and_then(|a| {
        if a.kind() == "generator_expression" {
            Some(a)
        } else {
            a.named_child(0)
        }
    }) else {
        return false;
    };
    let argument = unwrap(cx, argument);
    let all_safe = |list: Node<'_>| {
        let mut cursor = list.walk();
        let elements: Vec<_> = list.named_children(&mut cursor).collect();
        elements.into_iter().all(|e| python_safe(cx, e, b))
    };
    match argument.kind() {
        "binary_operator" => {
            let Some(left) = argument.child_by_field_name("left").map(|l| unwrap(cx, l)) else {
                return false;
            };
            let is_times = argument
                .child_by_field_name("operator")
                .is_some_and(|o| cx.node_text(o) == "*");
            is_times
                && match left.kind() {
                    "list" | "tuple" => all_safe(left),
                    _ => python::static_string(left, text).is_some(),
                }
        }
        "list" | "tuple" => all_safe(argument),
        "identifier" => built_list_safe(cx, argument, b),
        "generator_expression" | "list_comprehension" => argument
            .child_by_field_name("body")
            .is_some_and(|body| python_safe(cx, body, b)),
        _ => false,
    }
}

/// Python drivers and their placeholder style (`true`: `%s`, `false`: `?`).
const PY_DRIVERS: &[(&str, bool)] = &[
    ("sqlite3", false),
    ("psycopg", true),
    ("psycopg2", true),
    ("pymysql", true),
    ("MySQLdb", true),
    ("mysql.connector", true),
];

fn python_parameterize(cx: &FileContext<'_>, sink: &Sink<'_>, argument: Node<'_>) -> Option<Fix> {
    if argument != sink.argument || argument.kind() != "string" {
        return None;
    }
    let method = sink
        .call
        .child_by_field_name("function")
        .and_then(|f| f.child_by_field_name("attribute"))
        .map(|a| cx.node_text(a))?;
    let arguments = sink.call.child_by_field_name("arguments")?;
    // `executemany` needs a sequence of parameter tuples; without one it is broken already.
    if method != "execute" || !single_argument(arguments) {
        return None;
    }
    let bindings = cx.bindings();
    let imported: Vec<bool> = PY_DRIVERS
        .iter()
        .filter(|(module, _)| {
            bindings.imports_module(module)
                // `import mysql.connector` binds `mysql` only.
                || (*module == "mysql.connector" && bindings.is("mysql", "mysql"))
        })
        .map(|(_, percent)| *percent)
        .collect();
    let [percent] = imported[..] else {
        return None;
    };
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut pieces = Vec::new();
    let mut cursor = argument.walk();
    for part in argument.children(&mut cursor) {
        match part.kind() {
            "string_start" => prefix = cx.node_text(part).replace(['f', 'F'], ""),
            "string_end" => suffix = cx.node_text(part).to_string(),
            "string_content" => {
                let mut literal = cx.node_text(part).replace("{{", "{").replace("}}", "}");
                if percent {
                    literal = literal.replace('%', "%%");
                }
                pieces.push(Piece::Literal(literal));
            }
            "interpolation" => {
                let mut inner = part.walk();
                let plain = part.children(&mut inner).all(|c| {
                    matches!(c.kind(), "{" | "}")
                        || Some(c) == part.child_by_field_name("expression")
                });
                let expression = part.child_by_field_name("expression")?;
                if !plain || python_safe(cx, expression, Budget::SINK) {
                    return None;
                }
                pieces.push(Piece::Value(cx.node_text(expression).to_string()));
            }
            _ => return None,
        }
    }
    merge_literals(&mut pieces);
    unquote(&mut pieces)?;
    if !percent && placeholders_in_text(&pieces, false) {
        return None;
    }
    let placeholder = if percent { "%s" } else { "?" };
    let mut string = prefix;
    let mut values = Vec::new();
    for piece in &pieces {
        match piece {
            Piece::Literal(l) => string.push_str(l),
            Piece::Value(v) => {
                string.push_str(placeholder);
                values.push(v.as_str());
            }
        }
    }
    string.push_str(&suffix);
    let tuple = if values.len() == 1 {
        format!("({},)", values[0])
    } else {
        format!("({})", values.join(", "))
    };
    Some(Fix::unsafe_(
        "Pass the values as query parameters",
        vec![
            Edit::replace(argument.byte_range(), string),
            Edit::insert(argument.end_byte(), format!(", {tuple}")),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::FixSafety;
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "sql-injection";

    fn parses(language: Language, text: &str) -> bool {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        !parser.parse(text, None).unwrap().root_node().has_error()
    }

    #[test]
    fn flags_pg_template_literal() {
        let text = "import { Pool } from 'pg';\nconst pool = new Pool();\n\
                    export async function findUser(id: string) {\n  \
                    return pool.query(`SELECT * FROM users WHERE id = '${id}'`);\n}\n";
        let findings = check(ID, "src/users.ts", text);
        assert_eq!(
            spans(text, &findings),
            ["`SELECT * FROM users WHERE id = '${id}'`"]
        );
        assert_eq!(
            findings[0].message,
            "SQL built with a template literal is passed to `pool.query`; use placeholders and \
             pass values as parameters."
        );
        let after = fixed(text, &findings, FixSafety::Unsafe);
        assert!(after.contains("pool.query(`SELECT * FROM users WHERE id = $1`, [id])"));
        assert!(parses(Language::TypeScript, &after));
    }

    #[test]
    fn flags_prisma_typeorm_and_built_variables() {
        let text = "await prisma.$queryRawUnsafe('SELECT * FROM orders WHERE status = ' + status);\n\
                    const users = await dataSource\n  .createQueryBuilder(User, 'u')\n  \
                    .where(`u.email = '${email}'`)\n  .getMany();\n\
                    let sql = 'SELECT * FROM products WHERE 1=1';\n\
                    if (q) sql += ` AND name LIKE '%${q}%'`;\n\
                    const [rows] = await connection.execute(sql);\n";
        let findings = check(ID, "src/repo.ts", text);
        assert_eq!(
            spans(text, &findings),
            [
                "'SELECT * FROM orders WHERE status = ' + status",
                "`u.email = '${email}'`",
                "sql"
            ]
        );
        assert_eq!(findings[2].related.len(), 1);
        assert!(findings[2].message.contains("`connection.execute`"));
    }

    #[test]
    fn ecma_near_misses() {
        let text = "import { Pool } from 'pg';\n\
                    await pool.query('SELECT * FROM users WHERE id = $1', [id]);\n\
                    const rows = await prisma.$queryRaw`SELECT * FROM users WHERE email = ${email}`;\n\
                    const TABLE = 'audit_log';\n\
                    await db.query(`SELECT count(*) FROM ${TABLE}`);\n\
                    const res = await gql.query(`query GetUser { user(id: \"${id}\") { name } }`);\n\
                    await client.query(`query { users(where: {id: {_eq: \"${id}\"}}) { id } }`);\n\
                    await db.query(sql`SELECT * FROM t WHERE id = ${id}`);\n\
                    await db.query(Prisma.sql`SELECT * FROM t WHERE id = ${id}`);\n\
                    await pool.query(`SELECT * FROM t WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`, ids);\n\
                    await pool.query(`SELECT * FROM t ORDER BY name ${desc ? 'DESC' : 'ASC'} LIMIT ${Number(limit)}`);\n\
                    const log = `select from cache failed for ${key}`;\n\
                    // pool.query(`SELECT * FROM t WHERE id = ${id}`)\n";
        assert!(
            check(ID, "src/a.ts", text).is_empty(),
            "{:?}",
            check(ID, "src/a.ts", text)
        );
    }

    #[test]
    fn unrelated_query_methods_do_not_count() {
        // No database import, receivers that are not database clients.
        let text = "const u = url.query(`select=${field}`);\n\
                    $('#x').query(`SELECT ${a}`);\n\
                    router.query(`where ${x}`);\n\
                    const out = child_process.exec(`rm -rf ${dir} where`);\n\
                    cache.get(`user:${id} where`);\n\
                    qb.where(`u.email = '${email}'`);\n";
        assert!(check(ID, "src/a.ts", text).is_empty());
    }

    #[test]
    fn flags_python_drivers_and_orms() {
        let text = "import pandas as pd\nfrom sqlalchemy import text\n\
                    def get_user(cursor, user_id):\n    \
                    cursor.execute(f\"SELECT * FROM users WHERE id = {user_id}\")\n\
                    query = \"SELECT * FROM orders WHERE customer = '%s'\" % customer\n\
                    cur.execute(query)\n\
                    rows = pd.read_sql(\"SELECT * FROM t WHERE day > '{}'\".format(day), con)\n\
                    session.execute(text(\"DELETE FROM sessions WHERE user_id = \" + str(uid)))\n\
                    User.objects.raw(f\"SELECT * FROM auth_user WHERE username = '{name}'\")\n\
                    User.objects.extra(where=[f\"name = '{name}'\"])\n\
                    BY_NAME = \"SELECT * FROM users WHERE name = '%s'\"\n\
                    cur.execute(BY_NAME % name)\n";
        let findings = check(ID, "app/db.py", text);
        assert_eq!(
            spans(text, &findings),
            [
                "f\"SELECT * FROM users WHERE id = {user_id}\"",
                "query",
                "\"SELECT * FROM t WHERE day > '{}'\".format(day)",
                "\"DELETE FROM sessions WHERE user_id = \" + str(uid)",
                "f\"SELECT * FROM auth_user WHERE username = '{name}'\"",
                "f\"name = '{name}'\"",
                "BY_NAME % name",
            ]
        );
        assert!(findings[1].message.contains("`%` formatting"));
        assert!(findings[2].message.contains("`pd.read_sql`"));
    }

    #[test]
    fn python_near_misses() {
        let text = "TABLE = 'audit'\nTEMPLATE = 'SELECT * FROM t WHERE id = %s'\n\
                    def f(cursor, user_id, ids, n, desc):\n    \
                    cursor.execute(\"SELECT * FROM users WHERE id = %s\", (user_id,))\n    \
                    placeholders = \", \".join([\"%s\"] * len(ids))\n    \
                    cursor.execute(f\"SELECT * FROM t WHERE id IN ({placeholders})\", ids)\n    \
                    cursor.execute(f\"SELECT * FROM {TABLE} LIMIT {int(n)}\")\n    \
                    cursor.execute(\"SELECT * FROM t LIMIT %d\" % n)\n    \
                    cursor.execute(\"SELECT * FROM %s\" % connection.ops.quote_name(t))\n    \
                    cursor.execute(f\"SELECT * FROM t ORDER BY x {'DESC' if desc else 'ASC'}\")\n    \
                    log.info(f\"select from cache failed for {user_id}\")\n    \
                    cursor.execute(TEMPLATE % int(user_id))\n    \
                    runner.execute(f\"deploy {user_id}\")\n    \
                    client.fetch(f\"https://x/select?where={user_id}\")\n    \
                    thing.raw(f\"SELECT {user_id}\")\n";
        let findings = check(ID, "app/db.py", text);
        assert!(findings.is_empty(), "{:?}", spans(text, &findings));
    }

    #[test]
    fn where_clauses_built_from_placeholders_are_not_flagged() {
        let text = "def search(cursor, name, status):\n    \
                    clauses = []\n    params = []\n    \
                    if name:\n        clauses.append(\"name = %s\")\n        params.append(name)\n    \
                    if status:\n        clauses.extend([\"status = %s\"])\n        params.append(status)\n    \
                    sql = \"SELECT * FROM t WHERE \" + \" AND \".join(clauses)\n    \
                    cursor.execute(sql, params)\n";
        assert!(check(ID, "app/db.py", text).is_empty());
        let unsafe_ = text.replace(
            "clauses.append(\"name = %s\")",
            "clauses.append(f\"name = '{name}'\")",
        );
        assert_eq!(check(ID, "app/db.py", &unsafe_).len(), 1);
        let ts = "import { Pool } from 'pg';\n\
                  export async function search(pool: Pool, name?: string) {\n  \
                  const conditions: string[] = [];\n  const params: unknown[] = [];\n  \
                  if (name) { params.push(name); conditions.push(`name = $${params.length}`); }\n  \
                  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';\n  \
                  return pool.query(`SELECT * FROM t ${where}`, params);\n}\n";
        assert!(check(ID, "src/a.ts", ts).is_empty());
        let ts_unsafe = ts.replace("`name = $${params.length}`", "`name = '${name}'`");
        assert_eq!(check(ID, "src/a.ts", &ts_unsafe).len(), 1);
    }

    #[test]
    fn deep_expressions_do_not_overflow() {
        let depth = 3000;
        let nested = format!("{}x{}", "(c ? 'a' : ".repeat(depth), ")".repeat(depth));
        let chain = vec!["'a'"; depth].join(" + ");
        let text = format!(
            "import {{ Pool }} from 'pg';\npool.query(`SELECT * FROM t WHERE a = ${{{nested}}}`);\n\
             pool.query('SELECT * FROM t WHERE b = ' + {chain} + id);\n"
        );
        assert_eq!(check(ID, "src/deep.ts", &text).len(), 2);
        let py_nested = format!("{}x{}", "('a' if c else ".repeat(depth), ")".repeat(depth));
        let py_chain = vec!["'a'"; depth].join(" + ");
        let py = format!(
            "cursor.execute(f\"SELECT * FROM t WHERE a = {{{py_nested}}}\")\n\
             cursor.execute('SELECT * FROM t WHERE b = ' + {py_chain} + uid)\n"
        );
        assert_eq!(check(ID, "app/deep.py", &py).len(), 2);
    }

    #[test]
    fn scripts_are_skipped_but_celery_tasks_are_not() {
        let text = "def run(cursor, name):\n    cursor.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n";
        assert!(check(ID, "scripts/backfill.py", text).is_empty());
        assert!(check(ID, "app/management/commands/fix.py", text).is_empty());
        assert_eq!(check(ID, "app/tasks.py", text).len(), 1);
        let invoke = format!("from invoke import task\n{text}");
        assert!(check(ID, "tasks.py", &invoke).is_empty());
    }

    #[test]
    fn python_fix_binds_values() {
        let text = "import psycopg2\n\
                    def f(cursor, uid, name):\n    \
                    cursor.execute(f\"SELECT * FROM users WHERE id = '{uid}' AND pct > 5%\")\n    \
                    cursor.execute(f\"UPDATE t SET a = {uid}, b = '{name}'\")\n    \
                    cursor.execute(f\"SELECT * FROM t WHERE name LIKE '%{name}%'\")\n    \
                    cursor.execute(f\"SELECT * FROM t WHERE id = {uid!r}\")\n";
        let findings = check(ID, "app/db.py", text);
        assert_eq!(findings.len(), 4);
        assert_eq!(
            findings.iter().map(|f| f.fixes.len()).collect::<Vec<_>>(),
            [1, 1, 0, 0]
        );
        let after = fixed(text, &findings, FixSafety::Unsafe);
        assert!(after.contains(
            "cursor.execute(\"SELECT * FROM users WHERE id = %s AND pct > 5%%\", (uid,))"
        ));
        assert!(after.contains("cursor.execute(\"UPDATE t SET a = %s, b = %s\", (uid, name))"));
        assert!(parses(Language::Python, &after));
        let sqlite = "import sqlite3\ncur.execute(f\"SELECT * FROM t WHERE id = {uid}\")\n";
        let findings = check(ID, "app/db.py", sqlite);
        assert_eq!(
            fixed(sqlite, &findings, FixSafety::Unsafe),
            "import sqlite3\ncur.execute(\"SELECT * FROM t WHERE id = ?\", (uid,))\n"
        );
        // Identifiers cannot be parameters.
        let ident = "import sqlite3\ncur.execute(f'SELECT * FROM \"{table}\" WHERE id = {uid}')\n";
        assert!(check(ID, "app/db.py", ident)[0].fixes.is_empty());
        // A `?` already in the text would take the first parameter.
        let marked = "import sqlite3\ncur.execute(f\"SELECT '?' AS q FROM t WHERE id = {uid}\")\n";
        assert!(check(ID, "app/db.py", marked)[0].fixes.is_empty());
        // Two drivers: which placeholder style is meant is unknown.
        let both =
            "import sqlite3\nimport psycopg\ncur.execute(f\"SELECT * FROM t WHERE id = {uid}\")\n";
        assert!(check(ID, "app/db.py", both)[0].fixes.is_empty());
    }

    #[test]
    fn ecma_fixes() {
        let text = "const mysql = require('mysql2/promise');\n\
                    await conn.execute(`SELECT * FROM t WHERE a = '${a}' AND b = ${b}`);\n\
                    await prisma.$queryRawUnsafe(`SELECT * FROM t WHERE id = '${id}'`);\n";
        let findings = check(ID, "src/a.js", text);
        assert_eq!(findings.len(), 2);
        let after = fixed(text, &findings, FixSafety::Unsafe);
        assert_eq!(
            after,
            "const mysql = require('mysql2/promise');\n\
             await conn.execute(`SELECT * FROM t WHERE a = ? AND b = ?`, [a, b]);\n\
             await prisma.$queryRaw`SELECT * FROM t WHERE id = ${id}`;\n"
        );
        assert!(parses(Language::Tsx, &after));
        let numbered = "import pg from 'pg';\n\
                        await pool.query(`SELECT * FROM t WHERE a = $1 AND b = '${b}'`);\n";
        let findings = check(ID, "src/a.ts", numbered);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fixes.is_empty());
    }
}
