//! Learners' email addresses, checked as strictly as LRSs check an actor's
//! `mbox`: an address the roster takes must not be refused later, when its
//! statements reach the LRS (one refused address used to hold back a whole
//! batch). Each refusal says what is wrong, in English and as a message key.

use serde_json::Value;

/// The longest address (RFC 5321: 254), local part (64) and label (63).
const MAX_ADDRESS: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;

/// Top-level names that are never delegated on the internet, so no mail is
/// ever delivered there and LRSs refuse them: RFC 2606 and 6761 (test,
/// example, invalid, localhost), 6762 (local), 7686 (onion), 9476 (alt),
/// 8375 (home.arpa), ICANN's `internal` and its never-delegated corp, home
/// and mail.
const RESERVED_TLDS: &[&str] = &[
    "alt",
    "arpa",
    "corp",
    "example",
    "home",
    "internal",
    "invalid",
    "local",
    "localhost",
    "mail",
    "onion",
    "test",
];

/// What is wrong with an email address; each holds the address as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    #[error("`{0}` is not an email address: it needs exactly one @")]
    At(String),
    #[error("`{0}` is longer than {MAX_ADDRESS} characters")]
    TooLong(String),
    #[error(
        "`{0}`: the part before the @ may hold only letters, digits, inner dots (never two in a row) and ! # $ % & ' * + - / = ? ^ _ ` {{ | }} ~, at most {MAX_LOCAL}"
    )]
    Local(String),
    #[error("`{email}`: the domain `{domain}` has no dot; give a real domain, such as example.org")]
    NoDot { email: String, domain: String },
    #[error(
        "`{email}`: `{label}` is not a valid part of a domain (ASCII letters, digits and inner hyphens, 1 to {MAX_LABEL})"
    )]
    Label { email: String, label: String },
    #[error("`{email}`: `.{tld}` is not a top-level domain")]
    Tld { email: String, tld: String },
    #[error(
        "`{email}`: `.{tld}` is kept for local or test networks and is not a real domain; an LRS refuses it"
    )]
    Reserved { email: String, tld: String },
}

impl EmailProblem {
    /// The message key (in `locales/`) and its arguments.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, Value)>) {
        let email = |e: &String| ("email", Value::from(e.as_str()));
        match self {
            Self::At(e) => ("email-no-at", vec![email(e)]),
            Self::TooLong(e) => ("email-too-long", vec![email(e)]),
            Self::Local(e) => ("email-bad-local", vec![email(e)]),
            Self::NoDot { email: e, domain } => (
                "email-no-dot",
                vec![email(e), ("domain", domain.as_str().into())],
            ),
            Self::Label { email: e, label } => (
                "email-bad-label",
                vec![email(e), ("label", label.as_str().into())],
            ),
            Self::Tld { email: e, tld } => (
                "email-bad-tld",
                vec![email(e), ("tld", tld.as_str().into())],
            ),
            Self::Reserved { email: e, tld } => (
                "email-reserved",
                vec![email(e), ("tld", tld.as_str().into())],
            ),
        }
    }
}

/// Characters RFC 5322 allows in a dot-atom besides letters and digits.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// Checks an address: `local@domain` with a dot-atom local part and a
/// domain of at least two valid labels whose last is a real top-level
/// name (letters, or an `xn--` punycode name).
pub fn check_email(email: &str) -> Result<(), EmailProblem> {
    let owned = || email.to_owned();
    if email.chars().count() > MAX_ADDRESS {
        return Err(EmailProblem::TooLong(owned()));
    }
    let (local, domain) = match email.split_once('@') {
        Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@') => (l, d),
        _ => return Err(EmailProblem::At(owned())),
    };
    let local_ok = local.len() <= MAX_LOCAL
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext));
    if !local_ok {
        return Err(EmailProblem::Local(owned()));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailProblem::NoDot {
            email: owned(),
            domain: domain.to_owned(),
        });
    }
    for label in &labels {
        let ok = (1..=MAX_LABEL).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(EmailProblem::Label {
                email: owned(),
                label: (*label).to_owned(),
            });
        }
    }
    let tld = labels[labels.len() - 1].to_ascii_lowercase();
    let tld_ok = (tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
        || (tld.len() > 4 && tld.starts_with("xn--"));
    if !tld_ok {
        return Err(EmailProblem::Tld {
            email: owned(),
            tld,
        });
    }
    if RESERVED_TLDS.contains(&tld.as_str()) {
        return Err(EmailProblem::Reserved {
            email: owned(),
            tld,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass() {
        for ok in [
            "ada@example.org",
            "Ada.Lovelace@Example.ORG",
            "o'brien+training@mail.corp-name.co.uk",
            "x_y-z@a1.io",
            "a@xn--bcher-kva.xn--p1ai",
            "first.last@sub.domain.example.com",
        ] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn a_domain_without_a_dot_or_with_a_reserved_ending_is_refused() {
        assert!(matches!(
            check_email("x@localhost"),
            Err(EmailProblem::NoDot { domain, .. }) if domain == "localhost"
        ));
        for reserved in [
            "bob@corp.local",
            "a@server.internal",
            "a@x.test",
            "a@x.example",
            "a@my.localhost",
            "a@router.home.arpa",
            "a@hidden.onion",
            "a@intranet.CORP",
        ] {
            assert!(
                matches!(check_email(reserved), Err(EmailProblem::Reserved { .. })),
                "{reserved}"
            );
        }
        let e = check_email("bob@corp.local").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`bob@corp.local`: `.local` is kept for local or test networks and is not a real domain; an LRS refuses it"
        );
    }

    #[test]
    fn malformed_parts_are_named() {
        let kind = |e: &str| check_email(e).unwrap_err();
        assert!(matches!(kind("ada"), EmailProblem::At(_)));
        assert!(matches!(kind("a@@example.org"), EmailProblem::At(_)));
        assert!(matches!(kind("@example.org"), EmailProblem::At(_)));
        assert!(matches!(kind("ada@"), EmailProblem::At(_)));
        for local in [".ada", "ada.", "a..b", "a b", "a\"b", "é", "a<b", "a,b"] {
            assert!(
                matches!(
                    kind(&format!("{local}@example.org")),
                    EmailProblem::Local(_)
                ),
                "{local}"
            );
        }
        assert!(matches!(
            kind(&format!("{}@x.org", "a".repeat(65))),
            EmailProblem::Local(_)
        ));
        for (domain, label) in [
            ("example..org", ""),
            (".example.org", ""),
            ("example.org.", ""),
            ("-x.org", "-x"),
            ("x-.org", "x-"),
            ("ex_ample.org", "ex_ample"),
            ("exämple.org", "exämple"),
        ] {
            match kind(&format!("a@{domain}")) {
                EmailProblem::Label { label: l, .. } => assert_eq!(l, label, "{domain}"),
                other => panic!("{domain}: {other:?}"),
            }
        }
        for tld in ["1.2.3.4", "x.c", "x.co1"] {
            assert!(
                matches!(kind(&format!("a@{tld}")), EmailProblem::Tld { .. }),
                "{tld}"
            );
        }
        let long = format!("a@{}.org", "b".repeat(260));
        assert!(matches!(kind(&long), EmailProblem::TooLong(_)));
    }

    #[test]
    fn every_problem_has_a_message_key_with_the_address() {
        let (key, args) = check_email("bob@corp.local").unwrap_err().message();
        assert_eq!(key, "email-reserved");
        assert!(args.contains(&("email", "bob@corp.local".into())));
        assert!(args.contains(&("tld", "local".into())));
    }
}
