use super::testing::with_docker;
use super::*;

fn model<R>(text: &str, f: impl FnOnce(&DockerContext<'_>) -> R) -> R {
    with_docker("Dockerfile", text, &[], f)
}

fn last_instruction<'a>(docker: &DockerContext<'a>, kind: &str) -> Node<'a> {
    docker
        .stages()
        .iter()
        .flat_map(|s| s.instructions.iter().copied())
        .rfind(|n| n.kind() == kind)
        .expect("instruction present")
}

#[test]
fn stages_images_aliases_and_params() {
    let text = "# syntax=docker/dockerfile:1\n\
                ARG BASE=node:20\n\
                FROM ${BASE} AS Build\n\
                RUN npm ci\n\
                FROM --platform=$BUILDPLATFORM registry:5000/team/img:1.2@sha256:abc as tools\n\
                FROM build\n\
                CMD [\"node\"]\n";
    model(text, |docker| {
        let stages = docker.stages();
        assert_eq!(stages.len(), 3);
        assert_eq!(stages[0].image.reference.as_deref(), Some("node:20"));
        assert_eq!(stages[0].image.name.as_deref(), Some("node"));
        assert_eq!(stages[0].image.tag.as_deref(), Some("20"));
        assert_eq!(stages[0].alias.as_deref(), Some("Build"));
        assert_eq!(stages[0].base, Base::Image);
        assert_eq!(stages[0].instructions.len(), 1);
        assert_eq!(
            stages[1].image.name.as_deref(),
            Some("registry:5000/team/img")
        );
        assert_eq!(stages[1].image.tag.as_deref(), Some("1.2"));
        assert_eq!(stages[1].image.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(stages[1].params[0].name, "platform");
        assert_eq!(
            stages[1].params[0].raw_value.as_deref(),
            Some("$BUILDPLATFORM")
        );
        assert_eq!(stages[2].base, Base::Stage(0));
        assert_eq!(docker.chain(2), [0, 2]);
        assert_eq!(docker.final_stage().unwrap().index, 2);
        assert_eq!(docker.stage_named("BUILD").unwrap().index, 0);
        assert_eq!(docker.global_args().len(), 1);
    });
}

#[test]
fn unresolved_images_stay_unknown() {
    model(
        "ARG BASE\nFROM $BASE\nFROM ${BASE:-python:3.12}\n",
        |docker| {
            assert_eq!(docker.stages()[0].image.reference, None);
            assert_eq!(docker.stages()[0].base, Base::Image);
            assert_eq!(
                docker.stages()[1].image.reference.as_deref(),
                Some("python:3.12")
            );
        },
    );
}

#[test]
fn arg_and_env_resolution() {
    let text = "ARG VERSION=1.0\n\
                FROM python:3.12 AS base\n\
                ARG VERSION\n\
                ARG PORT=8000\n\
                ENV APP_PORT=${PORT} MODE=\"prod ${VERSION}\"\n\
                ENV PORT=9000 COPY_OF_PORT=$PORT\n\
                ARG PORT=1\n\
                FROM base\n\
                ENV HOME_DIR=${HOME_DIR:-/srv}\n\
                RUN echo\n";
    model(text, |docker| {
        let vars = docker.vars_at(0, None);
        assert_eq!(vars.get("VERSION"), Some("1.0"));
        assert_eq!(vars.get("APP_PORT"), Some("8000"));
        assert_eq!(vars.get("MODE"), Some("prod 1.0"));
        // ENV pairs of one instruction see the values from before it; ENV wins over a later ARG.
        assert_eq!(vars.get("COPY_OF_PORT"), Some("8000"));
        assert_eq!(vars.get("PORT"), Some("9000"));
        // ENV is inherited through the chain, ARG is not.
        let derived = docker.vars_at(1, None);
        assert_eq!(derived.get("APP_PORT"), Some("8000"));
        assert_eq!(derived.get("VERSION"), None);
        assert_eq!(derived.get("HOME_DIR"), Some("/srv"));
        // Before a position.
        let run = last_instruction(docker, "run_instruction");
        assert_eq!(docker.vars_for(run).get("HOME_DIR"), Some("/srv"));
        let env = docker.stages()[0].instructions[2];
        assert_eq!(docker.vars_for(env).get("APP_PORT"), None);
    });
}

#[test]
fn arg_without_default_is_unknown() {
    model(
        "FROM x\nARG TOKEN\nENV A=$TOKEN B=${TOKEN:-none}\n",
        |docker| {
            let vars = docker.vars_at(0, None);
            assert!(vars.is_declared("A"));
            assert_eq!(vars.get("A"), None);
            assert_eq!(vars.get("B"), Some("none"));
        },
    );
}

#[test]
fn static_values_of_nodes() {
    let text = "FROM x\nARG DIR=/srv\nWORKDIR \"$DIR/app\"\nCMD [\"a\\\"b\", \"\\u0041\"]\n";
    model(text, |docker| {
        let workdir = last_instruction(docker, "workdir_instruction");
        let path = first_named_child(workdir, "path").unwrap();
        assert_eq!(docker.value(path).as_deref(), Some("/srv/app"));
        let cmd = Command::new(last_instruction(docker, "cmd_instruction"), docker.text()).unwrap();
        assert_eq!(cmd.argv(docker.text()).unwrap(), ["a\"b", "A"]);
    });
}

#[test]
fn workdir_tracking() {
    let text = "FROM x AS a\nWORKDIR /app\nWORKDIR src\nRUN pwd\nFROM a\nWORKDIR ../lib\n\
                FROM x\nWORKDIR $UNSET\n";
    model(text, |docker| {
        let run = last_instruction(docker, "run_instruction");
        assert_eq!(
            docker.workdir_at(0, Some(run.start_byte())).as_deref(),
            Some("/app/src")
        );
        assert_eq!(docker.workdir_at(1, None).as_deref(), Some("/app/lib"));
        assert_eq!(docker.workdir_at(2, None), None);
    });
    model("FROM x\n", |docker| {
        assert_eq!(docker.workdir_at(0, None).as_deref(), Some("/"));
    });
}

#[test]
fn effective_command_follows_the_chain() {
    let text = "FROM x AS base\n\
                CMD [\"python\", \"app.py\"]\n\
                FROM base AS same\n\
                FROM base AS wrapped\n\
                ENTRYPOINT [\"tini\", \"--\"]\n\
                FROM base AS both\n\
                CMD [\"serve\"]\n\
                ENTRYPOINT [\"/entrypoint.sh\"]\n\
                FROM both\n\
                CMD uvicorn app.main:app \\\n    --host 0.0.0.0\n";
    model(text, |docker| {
        let text = docker.text();
        let same = docker.effective_command(1);
        assert_eq!(same.cmd.unwrap().argv(text).unwrap(), ["python", "app.py"]);
        let wrapped = docker.effective_command(2);
        assert!(wrapped.entrypoint.is_some());
        assert!(wrapped.cmd.is_none(), "ENTRYPOINT resets an inherited CMD");
        let both = docker.effective_command(3);
        assert_eq!(both.cmd.unwrap().argv(text).unwrap(), ["serve"]);
        let last = docker.effective_command(4);
        assert_eq!(
            last.entrypoint.unwrap().argv(text).unwrap(),
            ["/entrypoint.sh"]
        );
        let cmd = last.cmd.unwrap();
        assert!(!cmd.is_exec());
        assert_eq!(
            cmd.argv(text).unwrap(),
            ["/bin/sh", "-c", "uvicorn app.main:app     --host 0.0.0.0"]
        );
    });
}

#[test]
fn analysed_words_of_a_shell_form_point_into_the_file() {
    let text = "FROM x\nCMD cd /app && exec gunicorn app:app\n";
    model(text, |docker| {
        let cmd = docker.effective_command(0).cmd.unwrap();
        let words = command::analysed_words(&cmd.words(text).unwrap());
        let spans: Vec<&str> = words.iter().map(|w| &text[w.range.clone()]).collect();
        assert_eq!(spans, ["gunicorn", "app:app"]);
    });
    let text = "FROM x\nCMD [\"sh\", \"-c\", \"exec uvicorn app.main:app\"]\n";
    model(text, |docker| {
        let cmd = docker.effective_command(0).cmd.unwrap();
        let words = command::analysed_words(&cmd.words(text).unwrap());
        let spans: Vec<&str> = words.iter().map(|w| &text[w.range.clone()]).collect();
        assert_eq!(spans, ["uvicorn", "app.main:app"]);
    });
}

#[test]
fn comments_keep_their_newline_out_of_instructions() {
    let text = "FROM x\n# CMD ['node', 'server.js']\nRUN a \\\n# note\n  && b\n";
    model(text, |docker| {
        assert_eq!(docker.stages()[0].instructions.len(), 1);
        let run = docker.stages()[0].instructions[0];
        let shell = first_named_child(run, "shell_command").unwrap();
        assert_eq!(command::shell_script(shell, text), "a   && b");
    });
}

#[test]
fn copies_resolve_against_workdir() {
    let text = "FROM x AS build\nFROM x\nWORKDIR /app\nCOPY --chown=1:1 src/ ./src/\n\
                COPY [\"a.txt\", \"b.txt\", \"conf/\"]\nCOPY --from=build /out dist\n";
    model(text, |docker| {
        let copies = docker.copies(1, None);
        assert_eq!(copies.len(), 3);
        assert_eq!(copies[0].destination.as_deref(), Some("/app/src"));
        assert!(copies[0].destination_is_dir);
        assert_eq!(copies[0].sources[0].1.as_deref(), Some("src/"));
        assert_eq!(copies[1].sources.len(), 2);
        assert_eq!(copies[1].destination.as_deref(), Some("/app/conf"));
        assert_eq!(copies[2].from.as_deref(), Some("build"));
        assert_eq!(copies[2].destination.as_deref(), Some("/app/dist"));
    });
}

#[test]
fn locating_container_files_in_the_build_context() {
    let text = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nCOPY config/settings.py /etc/app/\n\
                COPY run.sh /usr/local/bin/start\nCOPY --from=builder /wheels /wheels\n";
    let files = [
        "svc/src/api/main.py",
        "svc/config/settings.py",
        "svc/run.sh",
        "other/src/api/main.py",
    ];
    with_docker("svc/Dockerfile", text, &files, |docker| {
        assert_eq!(docker.build_context(), "svc");
        let at = |path| docker.locate_file(0, path);
        assert_eq!(
            at("src/api/main.py"),
            Located::InContext("svc/src/api/main.py".into())
        );
        assert_eq!(
            at("/app/src/api/main.py"),
            Located::InContext("svc/src/api/main.py".into())
        );
        assert_eq!(
            at("/etc/app/settings.py"),
            Located::InContext("svc/config/settings.py".into())
        );
        assert_eq!(
            at("/usr/local/bin/start"),
            Located::InContext("svc/run.sh".into())
        );
        assert_eq!(at("src/api/app.py"), Located::Missing);
        assert_eq!(at("/wheels/x.whl"), Located::Unknowable);
        assert_eq!(at("/opt/x.py"), Located::Missing);
    });
    with_docker(
        "Dockerfile",
        "FROM x\nWORKDIR /srv\nCOPY app/ ./app/\n",
        &["app/main.py"],
        |docker| {
            assert_eq!(
                docker.locate_file(0, "app/main.py"),
                Located::InContext("app/main.py".into())
            );
            assert_eq!(docker.locate_file(0, "main.py"), Located::Missing);
        },
    );
    // A later copy to an unknown destination may overwrite anything.
    let text = "FROM x\nCOPY . /app\nCOPY generated/ $OUT\n";
    with_docker("Dockerfile", text, &["main.py"], |docker| {
        assert_eq!(docker.locate_file(0, "/app/main.py"), Located::Unknowable);
    });
    with_docker(
        "Dockerfile",
        "FROM x\nCOPY *.py /app/\n",
        &["main.py"],
        |docker| {
            assert_eq!(
                docker.locate_file(0, "/app/main.py"),
                Located::InContext("main.py".into())
            );
        },
    );
    with_docker(
        "Dockerfile",
        "FROM x\nCOPY . /app\n",
        &["ctx/main.py"],
        |docker| {
            let elsewhere = DockerContext::new(docker.cx).with_build_context("ctx/");
            assert_eq!(
                elsewhere.locate_file(0, "/app/main.py"),
                Located::InContext("ctx/main.py".into())
            );
        },
    );
}

#[test]
fn crlf_files() {
    let text =
        "FROM python:3.12\r\nWORKDIR /app\r\nENV A=1\r\nCMD uvicorn app:app \\\r\n  --port 1\r\n";
    model(text, |docker| {
        assert_eq!(docker.workdir_at(0, None).as_deref(), Some("/app"));
        assert_eq!(docker.vars_at(0, None).get("A"), Some("1"));
        let cmd = docker.effective_command(0).cmd.unwrap();
        assert_eq!(cmd.argv(text).unwrap()[2], "uvicorn app:app   --port 1");
    });
}

#[test]
fn a_continuation_inside_a_json_string_breaks_the_instruction() {
    let text = "FROM x\nCMD [\"python\", \"-m\", \"src.api.\\\nmain\"]\nCMD [\"ok\"]\n";
    model(text, |docker| {
        let cmds: Vec<Node> = docker.stages()[0].instructions.clone();
        assert_eq!(cmds.len(), 2);
        assert!(!docker.is_intact(cmds[0]));
        assert!(docker.is_intact(cmds[1]));
    });
}

#[test]
fn instruction_names() {
    assert_eq!(instruction_name("cmd_instruction"), "CMD");
    assert_eq!(instruction_name("healthcheck_instruction"), "HEALTHCHECK");
}
