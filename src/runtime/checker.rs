//! The checker container's kit: what its first process puts in the
//! checker's private directory, and the fixed environment checks run with.
//! Nothing here comes from the image's learner-writable paths or from the
//! learner's environment.

use super::CHECKER_HOME;
use crate::lang::Lang;

/// `git` for checks: see the script's own comments.
const GIT: &str = include_str!("checker-git.sh");

/// The checker container's command: it writes the kit into its tmpfs (from
/// its environment, which only the engine and Sandpit see) and then idles.
pub fn command() -> Vec<String> {
    let script = format!(
        "umask 077; mkdir -p {CHECKER_HOME}/bin {CHECKER_HOME}/tmp \
         && printf '%s' \"$SANDPIT_CHECKER_GIT\" > {CHECKER_HOME}/bin/git \
         && chmod 0500 {CHECKER_HOME}/bin/git && unset SANDPIT_CHECKER_GIT \
         && exec sleep infinity"
    );
    vec!["/bin/sh".into(), "-c".into(), script]
}

/// The checker container's environment (the kit).
pub fn container_env() -> Vec<String> {
    vec![format!("SANDPIT_CHECKER_GIT={GIT}")]
}

/// Git settings forced for every check, above anything a repository says:
/// no program may be started from a learner's configuration, and a
/// repository owned by the learner may be read.
const GIT_OVERRIDES: &[(&str, &str)] = &[
    ("safe.directory", "*"),
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("core.askPass", "false"),
    ("core.sshCommand", "false"),
    ("sequence.editor", "false"),
    ("diff.external", "false"),
    ("log.showSignature", "false"),
    ("gpg.program", "false"),
    ("credential.helper", ""),
    ("protocol.allow", "never"),
];

/// The fixed environment of a check: system directories only on `PATH`
/// (Sandpit's git wrapper first), the checker's own home, no start-up files,
/// no global or system git configuration. `learner` and `learner_home` tell
/// the check whose files to inspect; `lang` (`SANDPIT_LANG`) the language of
/// the page the learner pressed Check on, for the feedback it prints.
pub fn check_env(learner: &str, learner_home: &str, lang: Lang) -> Vec<String> {
    let mut env = vec![
        format!(
            "PATH={CHECKER_HOME}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ),
        format!("HOME={CHECKER_HOME}"),
        format!("TMPDIR={CHECKER_HOME}/tmp"),
        "USER=sandpit-check".into(),
        "LOGNAME=sandpit-check".into(),
        "SHELL=/bin/sh".into(),
        "LANG=C.UTF-8".into(),
        "TERM=dumb".into(),
        "PAGER=cat".into(),
        "GIT_PAGER=cat".into(),
        "GIT_EDITOR=false".into(),
        "GIT_TERMINAL_PROMPT=0".into(),
        "GIT_CONFIG_NOSYSTEM=1".into(),
        "GIT_CONFIG_GLOBAL=/dev/null".into(),
        "GIT_ATTR_NOSYSTEM=1".into(),
        "GIT_OPTIONAL_LOCKS=0".into(),
        "GIT_NO_REPLACE_OBJECTS=1".into(),
        format!("SANDPIT_LEARNER={learner}"),
        format!("SANDPIT_LEARNER_HOME={learner_home}"),
        format!("SANDPIT_LANG={lang}"),
    ];
    env.push(format!("GIT_CONFIG_COUNT={}", GIT_OVERRIDES.len()));
    for (i, (key, value)) in GIT_OVERRIDES.iter().enumerate() {
        env.push(format!("GIT_CONFIG_KEY_{i}={key}"));
        env.push(format!("GIT_CONFIG_VALUE_{i}={value}"));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_get_no_learner_controlled_path_or_home() {
        let env = check_env("learner", "/home/learner", Lang::Fr);
        let get = |k: &str| {
            env.iter()
                .find_map(|e| e.strip_prefix(&format!("{k}=")))
                .unwrap_or_default()
                .to_owned()
        };
        assert!(
            get("PATH")
                .split(':')
                .all(|d| d.starts_with('/') && !d.starts_with("/home") && !d.starts_with("/tmp"))
        );
        assert_eq!(get("HOME"), CHECKER_HOME);
        assert_eq!(get("GIT_CONFIG_GLOBAL"), "/dev/null");
        assert_eq!(get("SANDPIT_LEARNER_HOME"), "/home/learner");
        assert_eq!(get("SANDPIT_LANG"), "fr");
        assert!(
            !env.iter()
                .any(|e| e.starts_with("BASH_ENV=") || e.starts_with("ENV="))
        );
        let count: usize = get("GIT_CONFIG_COUNT").parse().unwrap();
        assert_eq!(count, GIT_OVERRIDES.len());
    }
}
