//! What Python launch commands mean: `python -m module`, the application argument of ASGI/WSGI
//! servers (`uvicorn app.main:app`), and where such modules live in the image (RULES.md §5.1
//! M3/M4, §6.5 T1/T3).

use super::command::basename;
use super::{DockerContext, Located};

/// Servers whose first positional argument is an application spec `module:attribute`.
pub const APP_SERVERS: [&str; 5] = ["uvicorn", "hypercorn", "gunicorn", "daphne", "granian"];

/// `python`, `python3`, `python3.12` (a basename).
pub fn is_python(name: &str) -> bool {
    let Some(version) = name.strip_prefix("python") else {
        return false;
    };
    version.is_empty()
        || version
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// The index of the module after `python -m` when `args[program]` is a Python interpreter
/// (interpreter options such as `-u` or `-X dev` before `-m` are skipped).
pub fn module_index(args: &[String], program: usize) -> Option<usize> {
    if !is_python(basename(args.get(program)?)) {
        return None;
    }
    let mut i = program + 1;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-m" => return Some(i + 1).filter(|&m| m < args.len()),
            "-X" | "-W" | "-Q" => i += 2,
            "-c" | "-" | "--" => return None,
            a if a.starts_with('-') && !a.starts_with("-m") => i += 1,
            _ => return None,
        }
    }
    None
}

/// The ASGI/WSGI server `args[program]` runs (directly, or as `python -m <server>` when
/// `module` is the index of the `-m` module) and the index of its application argument: the
/// first positional argument after options and their values.
pub fn application_index(
    args: &[String],
    program: usize,
    module: Option<usize>,
) -> Option<(&str, usize)> {
    let (server, start) = match module {
        Some(m) => (args[m].as_str(), m + 1),
        None => (basename(args.get(program)?), program + 1),
    };
    let server = *APP_SERVERS.iter().find(|s| **s == server)?;
    let mut i = start;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            return Some((server, i + 1)).filter(|(_, j)| *j < args.len());
        }
        if arg.starts_with('-') && arg.len() > 1 {
            let takes_value = !arg.contains('=') && takes_value(server, arg);
            i += if takes_value { 2 } else { 1 };
        } else {
            return Some((server, i));
        }
    }
    None
}

/// Whether `option` of `server` takes a separate value (`--port 8000`).
pub fn takes_value(server: &str, option: &str) -> bool {
    let options = match server {
        "uvicorn" => {
            "--host --port --uds --fd --workers --loop --http --ws --lifespan --interface \
             --env-file --log-config --log-level --root-path --app-dir --limit-concurrency \
             --backlog --timeout-keep-alive --ssl-keyfile --ssl-certfile --forwarded-allow-ips \
             --reload-dir --header --reload-include --reload-exclude --reload-delay --ws-max-size \
             --ws-max-queue --ws-ping-interval --ws-ping-timeout --ws-per-message-deflate \
             --limit-max-requests --timeout-graceful-shutdown --ssl-keyfile-password \
             --ssl-version --ssl-cert-reqs --ssl-ca-certs --ssl-ciphers \
             --h11-max-incomplete-event-size"
        }
        "gunicorn" => {
            "-b --bind -w --workers -k --worker-class -c --config -t --timeout \
             --graceful-timeout --keep-alive --threads --chdir --log-level --access-logfile \
             --error-logfile -e --env --max-requests --max-requests-jitter --pythonpath -n --name \
             -u --user -g --group --backlog --worker-connections --log-file --access-logformat \
             --log-config --logger-class -p --pid --worker-tmp-dir -m --umask \
             --forwarded-allow-ips --keyfile --certfile --ca-certs --ciphers --statsd-host \
             --statsd-prefix --limit-request-line --limit-request-fields \
             --limit-request-field_size --paste --reload-extra-file --reload-engine"
        }
        "hypercorn" => {
            "-b --bind --insecure-bind --quic-bind -w --workers -k --worker-class -c --config \
             --certfile --keyfile --keyfile-password --ca-certs --ciphers --access-logfile \
             --access-logformat --error-logfile --log-file --log-config --log-level -p --pid \
             --root-path --server-name --statsd-host --statsd-prefix -m --umask -u --user -g \
             --group --backlog --graceful-timeout --read-timeout --max-requests \
             --max-requests-jitter --keep-alive --websocket-ping-interval --verify-mode"
        }
        "daphne" => {
            "-p --port -b --bind -u --unix-socket --fd -e --endpoint -v --verbosity -t \
             --http-timeout --access-log --log-fmt --ping-interval --ping-timeout \
             --application-close-timeout --root-path --proxy-headers-host --proxy-headers-port \
             --server-name --websocket_timeout --websocket_connect_timeout"
        }
        "granian" => {
            "--host --port --interface --http --workers --threads --blocking-threads \
             --runtime-threads --runtime-mode --threading-mode --loop --task-impl --backlog \
             --backpressure --log-level --log-config --access-log-fmt --ssl-keyfile \
             --ssl-certificate --ssl-keyfile-password --url-path-prefix --respawn-interval \
             --workers-lifetime --workers-kill-timeout --pid-file --reload-paths \
             --reload-ignore-dirs --reload-ignore-patterns --reload-ignore-paths --process-name \
             --working-dir --env-files --static-path-route --static-path-mount \
             --http1-buffer-size --http2-max-concurrent-streams"
        }
        _ => "",
    };
    options.split_whitespace().any(|o| o == option)
}

/// The values given to any of `options` (`--opt value` or `--opt=value`).
pub fn option_values(args: &[String], options: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if let Some((name, value)) = arg.split_once('=')
            && options.contains(&name)
        {
            out.push(value.to_string());
        } else if options.contains(&arg.as_str())
            && let Some(value) = args.get(i + 1)
        {
            out.push(value.clone());
        }
    }
    out
}

/// `^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`
pub fn is_dotted_path(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(is_identifier)
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The attribute part of an application spec: `app`, `create_app()`, and for the servers that
/// resolve nested attributes (all but gunicorn) `api.app`.
fn is_attribute(server: &str, text: &str) -> bool {
    let name = match text.find('(') {
        Some(open) if text.ends_with(')') => &text[..open],
        Some(_) => return false,
        None => text,
    };
    if server == "gunicorn" {
        is_identifier(name)
    } else {
        is_dotted_path(name)
    }
}

/// hypercorn takes an `asgi:`/`wsgi:` prefix, granian an `rsgi:` one.
fn strip_interface(spec: &str) -> &str {
    ["asgi:", "wsgi:", "rsgi:"]
        .iter()
        .find_map(|p| spec.strip_prefix(p))
        .unwrap_or(spec)
}

/// Whether `server` accepts `spec` as its application (syntax only): `module.path:attribute`;
/// gunicorn, hypercorn and granian default the attribute; hypercorn and granian also take a
/// file path as the module.
pub fn valid_application(server: &str, spec: &str) -> bool {
    match server {
        "hypercorn" | "granian" => {
            let spec = strip_interface(spec);
            let (module, attribute) = match spec.split_once(':') {
                Some((m, a)) => (m, Some(a)),
                None => (spec, None),
            };
            !module.is_empty()
                && !module.contains(char::is_whitespace)
                && attribute.is_none_or(|a| is_attribute(server, a))
        }
        "gunicorn" => match spec.split_once(':') {
            Some((module, attribute)) => is_dotted_path(module) && is_attribute(server, attribute),
            None => is_dotted_path(spec),
        },
        _ => spec.split_once(':').is_some_and(|(module, attribute)| {
            is_dotted_path(module) && is_attribute(server, attribute)
        }),
    }
}

/// The dotted module of a valid application spec; `None` for a file-path module.
pub fn application_module(server: &str, spec: &str) -> Option<String> {
    if !valid_application(server, spec) {
        return None;
    }
    let spec = strip_interface(spec);
    let module = spec.split_once(':').map_or(spec, |(m, _)| m);
    is_dotted_path(module).then(|| module.to_string())
}

/// `src/api/main.py`, `src.api. main`, `./app..main` → `src.api.main`; `None` when no valid
/// module path comes out or nothing changes.
pub fn normalize_module(module: &str) -> Option<String> {
    let compact: String = module.chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.trim_start_matches("./");
    let compact = compact.strip_suffix(".py").unwrap_or(compact);
    let dotted = compact.replace('/', ".");
    let segments: Vec<&str> = dotted.split('.').filter(|s| !s.is_empty()).collect();
    let normalized = segments.join(".");
    (is_dotted_path(&normalized) && normalized != module).then_some(normalized)
}

/// The application spec the author meant, and whether its attribute is a guess:
/// `app/main.py:app` → `app.main:app`, `app.main.app` → `app.main:app` (for the servers that
/// require a colon), `main:app ` → `main:app`, `app.main:` → `app.main:app` (guessed).
pub fn normalize_application(server: &str, spec: &str) -> Option<(String, bool)> {
    let compact: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
    let (module, attribute) = match compact.split_once(':') {
        Some((m, a)) => (m.to_string(), a.to_string()),
        None if matches!(server, "uvicorn" | "daphne") => {
            let (m, a) = compact.rsplit_once('.')?;
            if a == "py" {
                return None;
            }
            (m.to_string(), a.to_string())
        }
        None => (compact.clone(), String::new()),
    };
    let module = normalize_module(&module).unwrap_or(module);
    let (attribute, guessed) = if attribute.is_empty() {
        ("app".to_string(), true)
    } else {
        (attribute, false)
    };
    let normalized = format!("{module}:{attribute}");
    (valid_application(server, &normalized) && normalized != spec).then_some((normalized, guessed))
}

/// How a module is used, which decides the files that make it exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleUse {
    /// `python -m M`: `M.py` or `M/__main__.py`.
    Run,
    /// `import M` (an application module): `M.py` or `M/__init__.py`.
    Import,
}

impl DockerContext<'_> {
    /// Where Python looks for top-level modules in the container of `stage`: `extra` roots
    /// (`--app-dir`, `--chdir`), the final WORKDIR, then `PYTHONPATH` entries from `ENV`.
    pub fn python_roots(&self, stage: usize, extra: &[String]) -> Vec<String> {
        let mut roots: Vec<String> = extra.to_vec();
        roots.push(".".into());
        if let Some(path) = self.vars_at(stage, None).get("PYTHONPATH") {
            roots.extend(
                path.split(':')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            );
        }
        roots
    }

    /// Where the dotted `module` comes from in the image of `stage`: the first candidate file
    /// copied from the build context, else unknowable when some candidate is, else missing.
    pub fn locate_python_module(
        &self,
        stage: usize,
        module: &str,
        usage: ModuleUse,
        extra_roots: &[String],
    ) -> Located {
        let path = module.replace('.', "/");
        let files = match usage {
            ModuleUse::Run => [format!("{path}.py"), format!("{path}/__main__.py")],
            ModuleUse::Import => [format!("{path}.py"), format!("{path}/__init__.py")],
        };
        let mut result = Located::Missing;
        for root in self.python_roots(stage, extra_roots) {
            for file in &files {
                match self.locate_file(stage, &format!("{root}/{file}")) {
                    found @ Located::InContext(_) => return found,
                    Located::Unknowable => result = Located::Unknowable,
                    Located::Missing => {}
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::testing::with_docker;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn interpreters_and_modules() {
        assert!(is_python("python") && is_python("python3") && is_python("python3.12"));
        assert!(!is_python("python3-config") && !is_python("pythonx"));
        assert_eq!(
            module_index(&args(&["python3", "-u", "-X", "dev", "-m", "app"]), 0),
            Some(5)
        );
        assert_eq!(
            module_index(&args(&["python", "app.py", "-m", "x"]), 0),
            None
        );
        assert_eq!(module_index(&args(&["python", "-m"]), 0), None);
        assert_eq!(module_index(&args(&["node", "-m", "x"]), 0), None);
    }

    #[test]
    fn application_arguments() {
        let uvicorn = args(&[
            "uvicorn",
            "--host",
            "0.0.0.0",
            "--reload",
            "--port=80",
            "app:app",
        ]);
        assert_eq!(application_index(&uvicorn, 0, None), Some(("uvicorn", 5)));
        let gunicorn = args(&["python", "-m", "gunicorn", "-w", "4", "wsgi"]);
        assert_eq!(
            application_index(&gunicorn, 0, Some(2)),
            Some(("gunicorn", 5))
        );
        assert_eq!(
            application_index(&args(&["gunicorn", "-c", "conf.py"]), 0, None),
            None
        );
        assert_eq!(application_index(&args(&["node", "x"]), 0, None), None);
    }

    #[test]
    fn application_specs() {
        assert!(valid_application("uvicorn", "app.main:app"));
        assert!(valid_application("uvicorn", "app.main:api.app"));
        assert!(valid_application("uvicorn", "app:create_app()"));
        assert!(!valid_application("uvicorn", "app.main"));
        assert!(!valid_application("uvicorn", "app/main.py:app"));
        assert!(valid_application("gunicorn", "app.main"));
        assert!(!valid_application("gunicorn", "app:api.app"));
        assert!(valid_application("hypercorn", "wsgi:app/main.py:app"));
        assert!(!valid_application("hypercorn", "main:app "));
        assert_eq!(
            application_module("hypercorn", "asgi:app.main:app").as_deref(),
            Some("app.main")
        );
        assert_eq!(application_module("hypercorn", "app/main.py"), None);
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_module("src.api. main").as_deref(),
            Some("src.api.main")
        );
        assert_eq!(
            normalize_module("./src/api/main.py").as_deref(),
            Some("src.api.main")
        );
        assert_eq!(normalize_module("app..main").as_deref(), Some("app.main"));
        assert_eq!(normalize_module("my-app.main"), None);
        assert_eq!(normalize_module("app.main"), None);
        let app = |server, spec| normalize_application(server, spec);
        assert_eq!(
            app("uvicorn", "app/main.py:app"),
            Some(("app.main:app".into(), false))
        );
        assert_eq!(
            app("uvicorn", "app.main.app"),
            Some(("app.main:app".into(), false))
        );
        assert_eq!(
            app("uvicorn", "app.main:"),
            Some(("app.main:app".into(), true))
        );
        assert_eq!(
            app("gunicorn", "main:app "),
            Some(("main:app".into(), false))
        );
        assert_eq!(app("uvicorn", "main.py"), None);
    }

    #[test]
    fn locating_modules() {
        let text = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nENV PYTHONPATH=/app/src\n";
        let files = ["src/api/main.py", "worker/__main__.py", "pkg/__init__.py"];
        with_docker("Dockerfile", text, &files, |docker| {
            let at = |module, usage| docker.locate_python_module(0, module, usage, &[]);
            assert_eq!(
                at("src.api.main", ModuleUse::Run),
                Located::InContext("src/api/main.py".into())
            );
            assert_eq!(
                at("api.main", ModuleUse::Import),
                Located::InContext("src/api/main.py".into())
            );
            assert_eq!(
                at("worker", ModuleUse::Run),
                Located::InContext("worker/__main__.py".into())
            );
            assert_eq!(at("worker", ModuleUse::Import), Located::Missing);
            assert_eq!(
                at("pkg", ModuleUse::Import),
                Located::InContext("pkg/__init__.py".into())
            );
            assert_eq!(at("pkg", ModuleUse::Run), Located::Missing);
        });
    }
}
