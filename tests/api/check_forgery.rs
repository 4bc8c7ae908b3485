//! A hostile learner against the checks, on the real engine with the bundled
//! scenarios: everything here runs from the learner's own account in the
//! sandbox, as their terminal would, and must neither produce a pass nor
//! reveal a check's text. Each attack is first shown to work where the
//! learner can reach (a decoy of their own, or the same check run as the
//! learner), so a defence that stopped being tested would fail here.

use std::time::Duration;

use crate::common::http::{check, client};
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, repo_scenarios, test_app};
use sandpit::runtime::{ExecOutput, ExecRequest, ExecTarget};
use sandpit::scenario::ExerciseId;
use uuid::Uuid;

/// Runs `script` with bash as the learner in their sandbox, with the
/// environment their terminal has.
async fn as_learner(server: &TestServer, sandbox: Uuid, script: &str) -> ExecOutput {
    let req = ExecRequest {
        target: ExecTarget::Sandbox,
        cmd: vec!["bash".into(), "-c".into(), script.into()],
        user: Some("learner".into()),
        workdir: Some("/home/learner".into()),
        env: vec![
            "HOME=/home/learner".into(),
            "USER=learner".into(),
            "PATH=/usr/local/bin:/usr/bin:/bin".into(),
        ],
        timeout: Duration::from_secs(120),
        stdin: None,
    };
    server.app.runtime.exec(sandbox, req).await.unwrap()
}

/// Runs `script` with sh in the checker container, as the checker.
async fn in_checker(server: &TestServer, sandbox: Uuid, script: &str) -> ExecOutput {
    let req = ExecRequest {
        target: ExecTarget::Checker,
        cmd: vec!["sh".into(), "-c".into(), script.into()],
        user: Some(sandpit::runtime::CHECKER_USER.into()),
        workdir: Some(sandpit::runtime::CHECKER_HOME.into()),
        env: vec![format!("HOME={}", sandpit::runtime::CHECKER_HOME)],
        timeout: Duration::from_secs(30),
        stdin: None,
    };
    server.app.runtime.exec(sandbox, req).await.unwrap()
}

/// The text of an exercise's check, for looking for leaks.
fn check_text(server: &TestServer, exercise: &str) -> String {
    let scenario = server.app.scenario("git-basics").unwrap();
    let id = ExerciseId::parse(exercise).unwrap();
    scenario.exercise(&id).unwrap().check.body.clone()
}

/// Lines of a check that only its text contains (no feedback message).
fn distinctive_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.len() > 25 && !l.contains("echo") && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The watcher a learner runs: it looks in /proc for script interpreters
/// (`… /dev/stdin`, `timeout …`), reads their standard input, writes
/// `exit 0` into it, traces them (ptrace attach through perl's syscall) and
/// kills them. A decoy of the learner's own (`timeout 31 bash
/// /proc/self/fd/0`, fed through a pipe as checks used to be) shows that the
/// watcher finds and reads such a process; the counts for anything else
/// must stay 0.
const WATCHER: &str = r#"
cat > /tmp/watch.sh <<'EOF'
found=0; stolen=0; injected=0; traced=0; killed=0; decoy=0; decoy_read=0
end=$((SECONDS + 90))
while [ $SECONDS -lt $end ] && [ ! -e /tmp/stop-watching ]; do
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [ "$pid" = $$ ] && continue
        cmd=$(tr '\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
        case $cmd in
            *"timeout 31 "*|*"/proc/self/fd/0"*) decoy=$((decoy + 1))
                if timeout 1 dd if="$d/fd/0" bs=64k count=1 2>/dev/null >> /tmp/decoy-read; then decoy_read=$((decoy_read + 1)); fi ;;
            *"/dev/stdin"*|*"timeout "*)
                found=$((found + 1))
                timeout 1 dd if="$d/fd/0" bs=64k count=1 2>/dev/null >> /tmp/stolen && stolen=$((stolen + 1))
                printf 'exit 0\n' 2>/dev/null > "$d/fd/0" && injected=$((injected + 1))
                perl -e 'exit(syscall(101, 16, $ARGV[0], 0, 0) == 0 ? 0 : 1)' "$pid" 2>/dev/null && traced=$((traced + 1))
                kill -9 "$pid" 2>/dev/null && killed=$((killed + 1)) ;;
        esac
    done
    echo "$found $stolen $injected $traced $killed $decoy $decoy_read" > /tmp/watch-counts
done
EOF
: > /tmp/stolen
setsid bash /tmp/watch.sh < /dev/null > /dev/null 2>&1 &
# The decoy: an interpreter reading a script from a pipe, as checks were run.
# Bash reads a piped script a line at a time: while the first line sleeps,
# the rest waits in the pipe, where the watcher can read it.
printf 'sleep 40\necho decoy-secret-line\n' | setsid timeout 31 bash /proc/self/fd/0 > /dev/null 2>&1 &
sleep 0.5
echo started
"#;

#[tokio::test]
async fn a_learner_watching_proc_neither_sees_feeds_traces_nor_kills_a_check() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let http = client();
    let (token, sandbox) = server.link("git-basics", "Mallory").await;
    let url = server.link_url(&token);
    let started = as_learner(&server, sandbox.id, WATCHER).await;
    assert_eq!(started.stdout.trim(), "started", "{started:?}");

    // Twenty presses of Check on an exercise nobody did.
    let exercises = ["set-identity"];
    for _ in 0..20 {
        let answer = check(&http, &url, "set-identity").await;
        assert_eq!(answer["outcome"], "failed", "{answer}");
    }
    // Let the watcher see the decoy once more, then stop it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let out = as_learner(
        &server,
        sandbox.id,
        "touch /tmp/stop-watching; sleep 1; cat /tmp/watch-counts; echo; cat /tmp/stolen /tmp/decoy-read 2>/dev/null",
    )
    .await;
    let mut lines = out.stdout.lines();
    let counts: Vec<u32> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let [found, stolen, injected, traced, killed, decoy, _] = counts[..] else {
        panic!("no counts from the watcher: {out:?}");
    };
    assert!(decoy > 0, "the watcher never saw its own decoy: {out:?}");
    assert!(
        out.stdout.contains("decoy-secret-line"),
        "the watcher could not read its own decoy's script, so it proves nothing: {out:?}"
    );
    assert_eq!(
        (found, stolen, injected, traced, killed),
        (0, 0, 0, 0, 0),
        "the learner reached a check process: {out:?}"
    );
    for exercise in exercises {
        for line in distinctive_lines(&check_text(&server, exercise)) {
            assert!(!out.stdout.contains(&line), "leaked: {line}");
        }
    }
    server.finish(sandbox.id).await;
    server.stop().await;
}

/// Everything a learner could put on a check's way: start-up files that put
/// a fake git first on `PATH` (one that knows set-identity's answers),
/// aliases, a global git configuration, pass markers.
const HIJACK: &str = r#"
set -e
mkdir -p ~/bin ~/.local/bin ~/.config/git
printf '%s\n' '#!/bin/sh' 'case "$*" in' \
    '*user.name*) echo "Ada Lovelace" ;;' \
    '*user.email*) echo "ada@example.org" ;;' \
    '*) echo main ;;' 'esac' 'exit 0' > ~/bin/git
chmod +x ~/bin/git
cp ~/bin/git ~/.local/bin/git; cp ~/bin/git /tmp/git
for f in ~/.bashrc ~/.bash_profile ~/.profile ~/.bash_login; do
    printf '%s\n' 'export PATH=$HOME/bin:/tmp:$PATH' 'alias git=$HOME/bin/git' >> "$f"
done
printf '%s\n' '[alias]' '	who = !echo yes' '[core]' '	fsmonitor = touch $HOME/pwned-global' > ~/.gitconfig
cp ~/.gitconfig ~/.config/git/config
echo 'exit 0' > ~/.bash_env
touch /tmp/passed /tmp/sandpit-check-passed ~/.passed ~/passed
echo planted
"#;

#[tokio::test]
async fn path_start_up_files_aliases_and_pass_markers_do_not_make_a_check_pass() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let http = client();
    let (token, sandbox) = server.link("git-basics", "Mallory").await;
    let url = server.link_url(&token);
    let planted = as_learner(&server, sandbox.id, HIJACK).await;
    assert_eq!(planted.stdout.trim(), "planted", "{planted:?}");
    // Where the learner's own shell would pick all of it up, the check
    // passes: run from a login shell, it meets the fake git.
    let text = check_text(&server, "set-identity");
    let control = as_learner(
        &server,
        sandbox.id,
        &format!(
            "cat > /tmp/c.sh <<'SANDPIT_CONTROL'\n{text}\nSANDPIT_CONTROL\n\
             bash -lc 'SANDPIT_LEARNER_HOME=$HOME bash /tmp/c.sh'; echo \"status $?\""
        ),
    )
    .await;
    assert!(control.stdout.contains("status 0"), "{control:?}");

    for _ in 0..3 {
        let answer = check(&http, &url, "set-identity").await;
        assert_eq!(answer["outcome"], "failed", "{answer}");
    }
    // The learner cannot write where checks keep their tools.
    let kit = as_learner(
        &server,
        sandbox.id,
        "mkdir -p /run/sandpit-check/bin 2>/dev/null; touch /run/sandpit-check/bin/git 2>/dev/null; \
         test -e /run/sandpit-check/bin/git && echo planted-kit || echo refused",
    )
    .await;
    assert_eq!(kit.stdout.trim(), "refused", "{kit:?}");
    // The check still passes for real once the work is done.
    server.solve(sandbox.id, "git-basics", "set-identity").await;
    assert_eq!(
        check(&http, &url, "set-identity").await["outcome"],
        "passed"
    );
    server.finish(sandbox.id).await;
    server.stop().await;
}

/// A repository that runs a command when git looks at it: core.fsmonitor,
/// a clean filter and a textconv driver for every file, and hooks. The
/// command leaves a file in the home of whoever ran it.
const HOSTILE_REPO: &str = r#"
set -e
cd ~/expense-report
payload='touch "$HOME/pwned-$(id -un)-$0"; cat'
git config core.fsmonitor 'sh -c "touch \$HOME/pwned-fsmonitor-$(id -u)" fsmonitor'
git config filter.evil.clean "sh -c 'touch \$HOME/pwned-clean-\$(id -u); cat'"
git config filter.evil.smudge cat
git config diff.evil.textconv "sh -c 'touch \$HOME/pwned-textconv-\$(id -u); cat \"\$0\"'"
printf '* filter=evil diff=evil\n' > .git/info/attributes
for h in post-checkout pre-commit post-merge reference-transaction; do
    printf '#!/bin/sh\ntouch "$HOME/pwned-hook-$(id -u)"\n' > .git/hooks/$h
    chmod +x .git/hooks/$h
done
# Stat-dirty files make git re-read them through the filter.
touch README.md config.yml
echo armed
"#;

#[tokio::test]
async fn a_repository_configured_to_run_commands_runs_none_of_them_as_the_checker() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let http = client();
    let (token, sandbox) = server.link("git-basics", "Mallory").await;
    let url = server.link_url(&token);
    let armed = as_learner(&server, sandbox.id, HOSTILE_REPO).await;
    assert_eq!(armed.stdout.trim(), "armed", "{armed:?}");
    // The same commands the checks use, run by the learner, do run the
    // payloads: the repository really is hostile.
    let control = as_learner(
        &server,
        sandbox.id,
        "cd ~/expense-report && git diff --name-only >/dev/null; git log -p -1 -- config.yml >/dev/null; git show HEAD:config.yml >/dev/null; ls ~ | grep pwned",
    )
    .await;
    for payload in [
        "pwned-fsmonitor-1000",
        "pwned-clean-1000",
        "pwned-textconv-1000",
    ] {
        assert!(
            control.stdout.contains(payload),
            "{payload} did not run: {control:?}"
        );
    }

    // Every exercise: its check fails before the work and passes after it,
    // with the hostile configuration in place all along.
    let scenario = server.app.scenario("git-basics").unwrap().clone();
    for e in &scenario.exercises {
        let exercise = e.id.as_str();
        let answer = check(&http, &url, exercise).await;
        assert_eq!(answer["outcome"], "failed", "{exercise}: {answer}");
        server.solve(sandbox.id, "git-basics", exercise).await;
        let answer = check(&http, &url, exercise).await;
        assert_eq!(answer["outcome"], "passed", "{exercise}: {answer}");
    }
    // Nothing ran as the checker: no payload left a file in its home.
    let home = in_checker(&server, sandbox.id, "ls -A \"$HOME\" \"$HOME/tmp\"").await;
    assert!(!home.stdout.contains("pwned"), "{home:?}");
    server.finish(sandbox.id).await;
    server.stop().await;
}

#[tokio::test]
async fn no_script_is_readable_in_the_sandbox_and_faked_state_does_not_survive_a_reset() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let http = client();
    let (token, sandbox) = server.link("git-basics", "Mallory").await;
    let url = server.link_url(&token);
    // While checks run, the learner searches every file they can read for
    // the checks' and solutions' text.
    let scenario = server.app.scenario("git-basics").unwrap().clone();
    let needles: Vec<String> = scenario
        .exercises
        .iter()
        .flat_map(|e| {
            distinctive_lines(&e.check.body)
                .into_iter()
                .chain(distinctive_lines(&e.solve.body))
                .take(3)
        })
        .collect();
    let patterns = needles.join("\n");
    let search = format!(
        "cat > /tmp/needles <<'EOF'\n{patterns}\nEOF\n\
         grep -rIlF -f /tmp/needles / --exclude-dir=proc --exclude-dir=sys --exclude=needles 2>/dev/null | head; echo searched"
    );
    let (found, _) = tokio::join!(as_learner(&server, sandbox.id, &search), async {
        for _ in 0..3 {
            check(&http, &url, "set-identity").await;
        }
    });
    assert_eq!(found.stdout.trim(), "searched", "{found:?}");

    // Faked state, then a reset of the whole sandbox.
    as_learner(&server, sandbox.id, HIJACK).await;
    as_learner(&server, sandbox.id, HOSTILE_REPO).await;
    let reset = http.post(format!("{url}/reset")).send().await.unwrap();
    assert_eq!(reset.status(), reqwest::StatusCode::SEE_OTHER, "{reset:?}");
    let (_, fresh) = server.app.service.open_link(&token).await.unwrap().unwrap();
    assert_ne!(fresh.id, sandbox.id);
    let clean = as_learner(
        &server,
        fresh.id,
        "ls -A ~ /tmp; git -C ~/expense-report config --local --list",
    )
    .await;
    for planted in ["bin", "passed", ".bash_env", "fsmonitor", "filter.evil"] {
        assert!(
            !clean.stdout.contains(planted),
            "{planted} survived: {clean:?}"
        );
    }
    assert_eq!(
        check(&http, &url, "set-identity").await["outcome"],
        "failed"
    );
    let page = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("0 of 8 steps done"),
        "a completion appeared: {page}"
    );
    server.finish(fresh.id).await;
    server.stop().await;
}

#[tokio::test]
async fn a_learner_can_neither_write_the_wikis_data_nor_stop_or_replace_its_server() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let http = client();
    let (token, sandbox) = server.link("wiki-basics", "Mallory").await;
    let url = server.link_url(&token);
    let attack = as_learner(
        &server,
        sandbox.id,
        "pids=$(pgrep -u www-data); test -n \"$pids\" && echo \"server seen\"; \
         for p in $pids; do kill -9 $p 2>/dev/null && echo \"killed $p\"; done; \
         touch /srv/wiki/db/x 2>/dev/null && echo wrote-db-dir; \
         sqlite3 /srv/wiki/db/wiki.sqlite \"update user set user_name = 'x'\" 2>/dev/null && echo wrote-db; \
         timeout 2 perl -MIO::Socket::INET -e 'IO::Socket::INET->new(LocalPort => 8080, Listen => 1, ReuseAddr => 1) and print \"bound\\n\"'; \
         sleep 2; curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8080/index.php/Main_Page",
    )
    .await;
    assert!(attack.stdout.contains("server seen"), "{attack:?}");
    for forbidden in ["killed", "wrote-db", "bound"] {
        assert!(
            !attack.stdout.contains(forbidden),
            "{forbidden}: {attack:?}"
        );
    }
    assert_eq!(attack.stdout.lines().last(), Some("200"), "{attack:?}");
    let answer = check(&http, &url, "user-page").await;
    assert_eq!(answer["outcome"], "failed", "{answer}");
    server.solve(sandbox.id, "wiki-basics", "user-page").await;
    assert_eq!(check(&http, &url, "user-page").await["outcome"], "passed");
    server.finish(sandbox.id).await;
    server.stop().await;
}
