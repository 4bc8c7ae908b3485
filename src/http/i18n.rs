//! Languages: every page and message comes from `locales/<lang>/main.ftl`,
//! chosen by `?lang=`, then the `sandpit_lang` cookie, then Accept-Language.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use fluent_bundle::FluentValue;
use fluent_templates::Loader;
use serde_json::Value;

use crate::lang::Lang;

// The translation catalogue, embedded in the binary.
fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages Sandpit speaks; the first is the fallback.
pub const LANGUAGES: &[&str] = &[Lang::En.code(), Lang::Fr.code()];

fn supported(tag: &str) -> Option<&'static str> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    LANGUAGES.iter().copied().find(|l| *l == primary)
}

/// Picks the language for a request.
pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> &'static str {
    if let Some(l) = query_lang.and_then(supported) {
        return l;
    }
    if let Some(l) = super::cookies::language(headers)
        .as_deref()
        .and_then(supported)
    {
        return l;
    }
    let accept = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best: Option<(f32, &'static str)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let Some(lang) = pieces.next().and_then(supported) else {
            continue;
        };
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(LANGUAGES[0], |(_, l)| l)
}

/// Looks up one message, for text built outside templates.
pub fn text(lang: &str, key: &str) -> String {
    LOCALES.lookup(&lang_id(lang), key)
}

fn lang_id(lang: &str) -> unic_langid::LanguageIdentifier {
    lang.parse().unwrap_or_else(|_| unic_langid::langid!("en"))
}

/// A message with arguments, for text built outside templates (templates
/// escape it like any other value). An unknown key shows as itself rather
/// than failing the page.
pub fn text_with(lang: &str, key: &str, args: &[(&'static str, Value)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), fluent_value(v)))
        .collect();
    LOCALES
        .try_lookup_with_args(&lang_id(lang), key, &args)
        .unwrap_or_else(|| key.to_owned())
}

fn fluent_value(v: &Value) -> FluentValue<'static> {
    match v {
        Value::Number(n) => FluentValue::from(n.as_f64().unwrap_or_default()),
        Value::String(s) => FluentValue::from(s.clone()),
        other => FluentValue::from(other.to_string()),
    }
}

/// A sandbox's state (`ready`, `claimed`, …; None: no sandbox yet) as the
/// pages name it in `lang`.
pub fn state_name(lang: &str, state: Option<&str>) -> String {
    let Some(state) = state else {
        return text(lang, "sandbox-none");
    };
    let key = format!("sandbox-{state}");
    let name = text_with(lang, &key, &[]);
    if name == key { state.to_owned() } else { name }
}

/// A message of the catalogue and its arguments, said in the reader's
/// language when it is shown: what a domain error says on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Value(Value),
    Message(Message),
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// A domain layer's message key and arguments (see `RosterError::message`).
    pub fn of((key, args): (&'static str, Vec<(&'static str, Value)>)) -> Self {
        Self {
            key,
            args: args.into_iter().map(|(k, v)| (k, Arg::Value(v))).collect(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.args.push((name, Arg::Value(value.into())));
        self
    }

    /// An argument that is itself a message, said in the same language.
    pub fn with_message(mut self, name: &'static str, message: Message) -> Self {
        self.args.push((name, Arg::Message(message)));
        self
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The message in `lang`.
    pub fn say(&self, lang: &str) -> String {
        let args: Vec<(&'static str, Value)> = self
            .args
            .iter()
            .map(|(k, a)| match a {
                Arg::Value(v) => (*k, v.clone()),
                Arg::Message(m) => (*k, Value::String(m.say(lang))),
            })
            .collect();
        text_with(lang, self.key, &args)
    }
}

/// In English, for logs and the API.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.say("en"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(accept: &str, cookie: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_str(accept).unwrap());
        if let Some(c) = cookie {
            h.insert(
                axum::http::header::COOKIE,
                HeaderValue::from_str(c).unwrap(),
            );
        }
        h
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            negotiate(None, &headers("fr-FR,fr;q=0.9,en;q=0.8", None)),
            "fr"
        );
        assert_eq!(
            negotiate(None, &headers("de-DE,en;q=0.5,fr;q=0.7", None)),
            "fr"
        );
        assert_eq!(negotiate(None, &headers("de-DE", None)), "en");
        assert_eq!(negotiate(None, &headers("", None)), "en");
        assert_eq!(negotiate(None, &headers("fr;q=0", None)), "en");
    }

    #[test]
    fn the_switch_and_its_cookie_win_over_the_browser() {
        assert_eq!(
            negotiate(Some("en"), &headers("fr", Some("sandpit_lang=fr"))),
            "en"
        );
        assert_eq!(
            negotiate(None, &headers("en", Some("a=b; sandpit_lang=fr"))),
            "fr"
        );
        assert_eq!(negotiate(Some("xx"), &headers("fr", None)), "fr");
    }

    #[test]
    fn the_services_errors_and_states_are_said_in_every_language() {
        use crate::sandbox::{Refusal, SandboxError, failure_message};
        use crate::store::SandboxState;
        let refusals = [
            Refusal::ServerFull { max: 3 },
            Refusal::CohortFull { cap: 2 },
            Refusal::TornDown,
        ];
        let mut messages = Vec::new();
        for r in refusals {
            let m = Message::of(r.message());
            // The pages and the API say the same in English.
            assert_eq!(m.say("en"), r.to_string());
            messages.push(m);
        }
        for state in SandboxState::ALL {
            let e = SandboxError::NotUsable(uuid::Uuid::nil(), state);
            messages.push(Message::of(e.message().unwrap()));
            assert_ne!(state_name("fr", Some(state.as_str())), state.as_str());
        }
        let over = SandboxError::CohortOver {
            name: "Lundi".into(),
        };
        messages.push(Message::of(over.message().unwrap()));
        for reason in [
            "the container was removed",
            "it stopped (exit 137, out of memory)",
            "it stopped (exit 1)",
            crate::sandbox::INTERRUPTED,
            "sandbox 1: setup exited with status 1",
        ] {
            messages.push(Message::of(failure_message(reason)));
        }
        for m in &messages {
            let (en, fr) = (m.say("en"), m.say("fr"));
            assert_ne!(en, m.key(), "{} is not in the English catalogue", m.key());
            assert_ne!(fr, m.key(), "{} is not in the French catalogue", m.key());
            assert_ne!(en, fr, "{} is not translated", m.key());
        }
        let full = Message::new("error-no-room")
            .with_message("reason", Message::of(refusals[0].message()));
        assert_eq!(
            full.say("fr"),
            "Plus de place pour un autre bac à sable pour le moment : \
             la limite de 3 bacs à sable en service est atteinte."
        );
        assert_eq!(
            full.to_string(),
            "No room for another sandbox right now: the limit of 3 running sandboxes is reached."
        );
        assert_eq!(
            Message::of(
                SandboxError::NotUsable(uuid::Uuid::nil(), SandboxState::Expired)
                    .message()
                    .unwrap()
            )
            .say("fr"),
            "Ce bac à sable est terminé : son temps est écoulé."
        );
        assert_eq!(state_name("fr", Some("claimed")), "utilisé");
        assert_eq!(state_name("fr", None), "lien pas encore ouvert");
        assert_eq!(state_name("fr", Some("unheard-of")), "unheard-of");
    }

    #[test]
    fn every_impact_study_import_mistake_reads_in_both_languages_with_what_was_typed() {
        use crate::programme::import::{parse_people, parse_teams};
        let teams = [
            &b"\xEF\xBB\xBFname;kind;headcount;maturity\nR\xE9gie;business;1;1\n"[..],
            b"name;kind;headcount;maturity\nZo\xC3\xA9;business;1;1\nR\xE9gie;business;1;1\n",
            b"",
            b"Ops;business;1;1\n",
            b"name;site\nOps;North\n",
            b"name;kind;headcount;maturity;site\n;bureau;douze;9;S\x07\nA;business;1;1\na;support;2;2\n",
        ];
        let mut errors: Vec<_> = teams
            .iter()
            .flat_map(|t| parse_teams(t).unwrap_err().0)
            .collect();
        let known = ["Ops".to_owned()];
        for people in [
            &b"name;team\n"[..],
            b"Ada;Ops\n",
            b"name;email\nAda;ada@example.org\n",
            b"name;email;team\nAda;ada@intranet;Ops\n;;Ops\nBo;bo@example.org;Nowhere\nCy;BO@example.org;Ops\n",
        ] {
            errors.extend(parse_people(people, &known).unwrap_err().0);
        }
        errors.extend(parse_people(b"name;team\nAda;Ops\n", &[]).unwrap_err().0);
        for usage in [
            &b"team;week;active\n"[..],
            b"Ops;2030-01-14;3\n",
            b"team;week;active\nOps;soon;-1\nOps;2030-01-14;1\nOps;2030-01-15;1\n",
        ] {
            errors.extend(
                crate::programme::import::parse_usage(usage, &known)
                    .unwrap_err()
                    .0,
            );
        }
        let many = "name;kind;headcount;maturity\n".to_owned() + &"\n".repeat(20_001);
        errors.extend(parse_teams(many.as_bytes()).unwrap_err().0);
        assert!(errors.len() >= 19, "{errors:?}");
        for e in &errors {
            let (key, args) = e.message();
            for lang in LANGUAGES {
                let text = text_with(lang, key, &args);
                assert_ne!(text, key, "{key} is missing in {lang}");
                assert!(!text.contains("{$"), "{lang} {key}: {text}");
                for (_, v) in &args {
                    if let Value::String(typed) = v {
                        assert!(text.contains(typed.as_str()), "{lang} {key}: {text}");
                    }
                }
            }
        }
        let e = parse_teams(b"Equipe;Type;Effectif;Maturite\nRH;support;12 00;3\n").unwrap_err();
        let (key, args) = e.0[0].message();
        let detail = text_with("fr", key, &args);
        assert_eq!(
            text_with(
                "fr",
                "import-line",
                &[("line", 2.into()), ("detail", detail.into())]
            ),
            "ligne 2 : « 12 00 » n’est pas un effectif : écrivez un nombre entier de personnes, 0 ou plus, par exemple 1200 ou 1 200."
        );
    }

    #[test]
    fn every_message_exists_in_every_language() {
        let keys = |lang: &str| {
            let text = std::fs::read_to_string(format!(
                "{}/locales/{lang}/main.ftl",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            text.lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().trim().to_owned())
                .collect::<std::collections::BTreeSet<_>>()
        };
        let en = keys("en");
        assert!(en.len() > 10);
        for lang in LANGUAGES {
            assert_eq!(keys(lang), en, "{lang} has other keys than en");
        }
    }
}
