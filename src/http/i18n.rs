//! Languages: every page and message comes from `locales/<lang>/main.ftl`,
//! chosen by `?lang=`, then the `sandpit_lang` cookie, then Accept-Language.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;

// The translation catalogue, embedded in the binary.
fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages Sandpit speaks; the first is the fallback.
pub const LANGUAGES: &[&str] = &["en", "fr"];

/// The cookie that remembers a language chosen with the switch.
pub const LANG_COOKIE: &str = "sandpit_lang";

fn supported(tag: &str) -> Option<&'static str> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    LANGUAGES.iter().copied().find(|l| *l == primary)
}

/// Picks the language for a request.
pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> &'static str {
    if let Some(l) = query_lang.and_then(supported) {
        return l;
    }
    if let Some(l) = super::auth::cookie(headers, LANG_COOKIE).and_then(supported) {
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
    use fluent_templates::Loader;
    let id: unic_langid::LanguageIdentifier = lang
        .parse()
        .unwrap_or_else(|_| "en".parse().expect("valid"));
    LOCALES.lookup(&id, key)
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
