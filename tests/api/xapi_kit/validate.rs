//! A validator for the parts of xAPI 1.0.3 (Data, section 2.4) Sandpit
//! sends: what an LRS would refuse, this refuses.

use std::collections::BTreeSet;

use chrono::DateTime;
use serde_json::Value;

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

/// An absolute IRI: a scheme, a colon, and something without spaces.
pub fn is_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

/// RFC 5646 in its common shape: `en`, `en-US`, `fr-CA`, `zh-Hant-TW`.
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()))
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn check_language_map(v: &Value, at: &str) -> Result<(), String> {
    let map = v.as_object().ok_or(format!("{at} is not a language map"))?;
    if map.is_empty() {
        return Err(format!("{at} is an empty language map"));
    }
    for (tag, text) in map {
        if !is_language_tag(tag) || !text.is_string() {
            return Err(format!("{at}: `{tag}` is not a language tag with a string"));
        }
    }
    Ok(())
}

/// ISO 8601 durations as xAPI uses them: `P[nY][nM][nW][nD][T[nH][nM][n[.n]S]]`.
pub fn is_iso8601_duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    fn units(part: &str, allowed: &str, fraction_on: Option<char>) -> Option<usize> {
        let mut count = 0;
        let mut number = String::new();
        let mut last = 0;
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let position = allowed.find(c)? + 1;
            if position <= last || number.is_empty() || number.ends_with('.') {
                return None;
            }
            if number.contains('.') && Some(c) != fraction_on {
                return None;
            }
            if number.matches('.').count() > 1 {
                return None;
            }
            last = position;
            count += 1;
            number.clear();
        }
        number.is_empty().then_some(count)
    }
    let Some(date_units) = units(date, "YMWD", None) else {
        return false;
    };
    match time {
        None => date_units > 0,
        Some(t) => units(t, "HMS", Some('S')).is_some_and(|n| n > 0),
    }
}

pub fn is_rfc3339(s: &str) -> bool {
    DateTime::parse_from_rfc3339(s).is_ok()
}

fn check_activity(v: &Value, at: &str) -> Result<(), String> {
    let o = v.as_object().ok_or(format!("{at} is not an object"))?;
    if let Some(t) = o.get("objectType")
        && t != "Activity"
    {
        return Err(format!("{at}.objectType is {t}"));
    }
    let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
    if !is_iri(id) {
        return Err(format!("{at}.id `{id}` is not an IRI"));
    }
    if let Some(def) = o.get("definition") {
        if let Some(name) = def.get("name") {
            check_language_map(name, &format!("{at}.definition.name"))?;
        }
        if let Some(d) = def.get("description") {
            check_language_map(d, &format!("{at}.definition.description"))?;
        }
        if let Some(t) = def.get("type")
            && !t.as_str().is_some_and(is_iri)
        {
            return Err(format!("{at}.definition.type {t} is not an IRI"));
        }
    }
    Ok(())
}

/// Checks one statement against the spec's requirements; says what is wrong.
pub fn validate(s: &Value) -> Result<(), String> {
    let o = s.as_object().ok_or("a statement is an object")?;
    const KNOWN: &[&str] = &[
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    ];
    if let Some(k) = o.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!("unknown property `{k}`"));
    }
    let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
    if !is_uuid(id) {
        return Err(format!("id `{id}` is not a UUID"));
    }
    // Actor: an Agent with exactly one inverse functional identifier.
    let actor = o
        .get("actor")
        .and_then(Value::as_object)
        .ok_or("no actor")?;
    if let Some(t) = actor.get("objectType")
        && t != "Agent"
    {
        return Err(format!("actor.objectType is {t}"));
    }
    let ifis: Vec<&str> = ["mbox", "mbox_sha1sum", "openid", "account"]
        .into_iter()
        .filter(|k| actor.contains_key(*k))
        .collect();
    if ifis.len() != 1 {
        return Err(format!(
            "the actor has {} identifiers: {ifis:?}",
            ifis.len()
        ));
    }
    if let Some(mbox) = actor.get("mbox") {
        let ok = mbox
            .as_str()
            .and_then(|m| m.strip_prefix("mailto:"))
            .is_some_and(|addr| addr.contains('@'));
        if !ok {
            return Err(format!("actor.mbox {mbox} is not a mailto: IRI"));
        }
    }
    if let Some(account) = actor.get("account") {
        let home = account
            .get("homePage")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = account
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !is_iri(home) || name.is_empty() {
            return Err(format!(
                "actor.account {account} needs a homePage IRL and a name"
            ));
        }
    }
    // Verb.
    let verb = o.get("verb").ok_or("no verb")?;
    let verb_id = verb.get("id").and_then(Value::as_str).unwrap_or_default();
    if !is_iri(verb_id) {
        return Err(format!("verb.id `{verb_id}` is not an IRI"));
    }
    if let Some(display) = verb.get("display") {
        check_language_map(display, "verb.display")?;
    }
    check_activity(o.get("object").ok_or("no object")?, "object")?;
    if let Some(result) = o.get("result") {
        for flag in ["success", "completion"] {
            if let Some(v) = result.get(flag)
                && !v.is_boolean()
            {
                return Err(format!("result.{flag} is not a boolean"));
            }
        }
        if let Some(d) = result.get("duration")
            && !d.as_str().is_some_and(is_iso8601_duration)
        {
            return Err(format!("result.duration {d} is not ISO 8601"));
        }
    }
    if let Some(context) = o.get("context") {
        if let Some(r) = context.get("registration")
            && !r.as_str().is_some_and(is_uuid)
        {
            return Err(format!("context.registration {r} is not a UUID"));
        }
        if let Some(ca) = context.get("contextActivities") {
            let ca = ca.as_object().ok_or("contextActivities is not an object")?;
            for (key, list) in ca {
                if !["parent", "grouping", "category", "other"].contains(&key.as_str()) {
                    return Err(format!("contextActivities.{key} is not allowed"));
                }
                for (i, a) in list
                    .as_array()
                    .ok_or("contextActivities lists")?
                    .iter()
                    .enumerate()
                {
                    check_activity(a, &format!("context.contextActivities.{key}[{i}]"))?;
                }
            }
        }
        if let Some(lang) = context.get("language")
            && !lang.as_str().is_some_and(is_language_tag)
        {
            return Err(format!("context.language {lang} is not a language tag"));
        }
        if let Some(ext) = context.get("extensions") {
            let ext = ext.as_object().ok_or("extensions is not an object")?;
            if let Some(k) = ext.keys().find(|k| !is_iri(k)) {
                return Err(format!("extension key `{k}` is not an IRI"));
            }
        }
    }
    let timestamp = o
        .get("timestamp")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !is_rfc3339(timestamp) {
        return Err(format!("timestamp `{timestamp}` is not RFC 3339"));
    }
    Ok(())
}

pub fn assert_valid(statements: &[Value]) {
    for s in statements {
        if let Err(e) = validate(s) {
            panic!("invalid statement ({e}): {s:#}");
        }
    }
    let ids: BTreeSet<&str> = statements
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), statements.len(), "statement ids are unique");
}
