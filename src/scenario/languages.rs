//! A scenario's languages: `languages = ["en", "fr"]` in scenario.toml,
//! texts given as `"…"` (in the first language) or `{ en = "…", fr = "…" }`,
//! and Markdown files as `<name>.md` (first language) and `<name>.<code>.md`.
//! Every text must be there in every language the scenario declares.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::checks::{ScenarioError, bounded_text, err};
use super::files::{MAX_TEXT_FILE, read_text};
use super::model::Text;
use crate::lang::Lang;

/// A text as scenario.toml gives it: plain, or by language.
#[derive(Debug)]
pub(super) enum RawText {
    Plain(String),
    ByLang(Vec<(String, String)>),
}

impl<'de> serde::Deserialize<'de> for RawText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a text, or texts by language like { en = "…", fr = "…" }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawText, E> {
                Ok(RawText::Plain(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawText, A::Error> {
                let mut texts = Vec::new();
                while let Some((lang, text)) = map.next_entry::<String, String>()? {
                    texts.push((lang, text));
                }
                Ok(RawText::ByLang(texts))
            }
        }
        d.deserialize_any(V)
    }
}

/// The languages a scenario declares, its first language first.
#[derive(Debug, Clone)]
pub(super) struct Languages(Vec<Lang>);

impl Languages {
    /// Reads `languages` (English alone when absent).
    pub(super) fn parse(file: &Path, raw: Option<Vec<String>>) -> Result<Self, ScenarioError> {
        let Some(raw) = raw else {
            return Ok(Self(vec![Lang::En]));
        };
        if raw.is_empty() {
            return err(
                file,
                Some("languages"),
                format!("is empty: name at least one of {}", Lang::codes()),
            );
        }
        let mut langs = Vec::new();
        for code in raw {
            let Some(lang) = Lang::parse(&code) else {
                return err(file, Some("languages"), unknown(&code));
            };
            if langs.contains(&lang) {
                return err(file, Some("languages"), format!("`{code}` is listed twice"));
            }
            langs.push(lang);
        }
        Ok(Self(langs))
    }

    pub(super) fn main(&self) -> Lang {
        self.0[0]
    }

    pub(super) fn list(&self) -> &[Lang] {
        &self.0
    }

    fn codes(&self) -> String {
        self.0
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "French (`fr`) is not one of this scenario's languages (en)".
    fn undeclared(&self, lang: Lang) -> String {
        format!(
            "{} (`{lang}`) is not one of this scenario's languages ({}): add it to \
             `languages` in scenario.toml",
            lang.name(),
            self.codes()
        )
    }

    /// What a text of `field` gives in each language, each within `max`
    /// characters; possibly not every language yet.
    pub(super) fn partial(
        &self,
        file: &Path,
        field: &str,
        raw: RawText,
        max: usize,
    ) -> Result<BTreeMap<Lang, String>, ScenarioError> {
        let entries = match raw {
            RawText::Plain(text) => {
                let text = bounded_text(file, field, text, max)?;
                return Ok(BTreeMap::from([(self.main(), text)]));
            }
            RawText::ByLang(entries) => entries,
        };
        let mut out = BTreeMap::new();
        for (code, text) in entries {
            let name = format!("{field}.{code}");
            let Some(lang) = Lang::parse(&code) else {
                return err(file, Some(&name), unknown(&code));
            };
            if !self.0.contains(&lang) {
                return err(file, Some(&name), self.undeclared(lang));
            }
            out.insert(lang, bounded_text(file, &name, text, max)?);
        }
        Ok(out)
    }

    /// A text of `field` in every language.
    pub(super) fn text(
        &self,
        file: &Path,
        field: &str,
        raw: RawText,
        max: usize,
    ) -> Result<Text, ScenarioError> {
        let by_lang = self.partial(file, field, raw, max)?;
        self.complete(file, field, by_lang)
    }

    /// `by_lang` as a [`Text`], or an error naming the first language it lacks.
    pub(super) fn complete(
        &self,
        file: &Path,
        field: &str,
        by_lang: BTreeMap<Lang, String>,
    ) -> Result<Text, ScenarioError> {
        if let Some(lang) = self.0.iter().find(|l| !by_lang.contains_key(l)) {
            let example: Vec<String> = self.0.iter().map(|l| format!("{l} = \"…\"")).collect();
            return err(
                file,
                Some(field),
                format!(
                    "has no {} text (`{lang}`): this scenario's languages are {}, so write \
                     `{} = {{ {} }}`",
                    lang.name(),
                    self.codes(),
                    field.rsplit('.').next().unwrap_or(field),
                    example.join(", ")
                ),
            );
        }
        Ok(Text::new(self.main(), by_lang))
    }

    /// The Markdown files `<stem>.md` (the first language) and
    /// `<stem>.<code>.md` in `dir`, by language; possibly none.
    pub(super) fn files(
        &self,
        root: &Path,
        dir: &Path,
        stem: &str,
    ) -> Result<BTreeMap<Lang, String>, ScenarioError> {
        let mut out = BTreeMap::new();
        let entries =
            std::fs::read_dir(dir).or_else(|e| err(dir, None, format!("cannot read: {e}")))?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let Some(rest) = name.strip_prefix(stem).and_then(|r| r.strip_suffix(".md")) else {
                continue;
            };
            let lang = match rest.strip_prefix('.') {
                None if rest.is_empty() => self.main(),
                Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) => {
                    let Some(lang) = Lang::parse(code) else {
                        return err(&path, None, unknown(code));
                    };
                    if !self.0.contains(&lang) {
                        return err(&path, None, self.undeclared(lang));
                    }
                    if lang == self.main() {
                        return err(
                            &path,
                            None,
                            format!(
                                "{} is this scenario's first language, whose text is {stem}.md",
                                lang.name()
                            ),
                        );
                    }
                    lang
                }
                _ => {
                    return err(
                        &path,
                        None,
                        format!("expected {stem}.md or {stem}.<language>.md (e.g. {stem}.fr.md)"),
                    );
                }
            };
            let text = read_text(root, &path, MAX_TEXT_FILE)?;
            if text.trim().is_empty() {
                return err(&path, None, "is empty");
            }
            out.insert(lang, text);
        }
        Ok(out)
    }

    /// The file that holds `stem`'s text in `lang`.
    pub(super) fn file_name(&self, stem: &str, lang: Lang) -> String {
        if lang == self.main() {
            format!("{stem}.md")
        } else {
            format!("{stem}.{lang}.md")
        }
    }

    /// The first language `files` lacks, with the message saying so.
    pub(super) fn missing_file(
        &self,
        files: &BTreeMap<Lang, String>,
        stem: &str,
        what: &str,
    ) -> Option<(String, String)> {
        let lang = *self.0.iter().find(|l| !files.contains_key(l))?;
        let name = self.file_name(stem, lang);
        let message = if self.0.len() == 1 {
            format!("missing: every exercise needs {name}")
        } else {
            format!(
                "missing: this scenario's languages are {}, so {what} needs {name} (in {})",
                self.codes(),
                lang.name()
            )
        };
        Some((name, message))
    }
}

/// "`de` is not a language Sandpit speaks (en, fr)".
fn unknown(code: &str) -> String {
    format!(
        "`{code}` is not a language Sandpit speaks ({})",
        Lang::codes()
    )
}

/// Takes a leading `# Heading` off a Markdown text: the heading and the rest.
pub(super) fn take_heading(text: &str) -> Option<(String, String)> {
    let rest = text.trim_start().strip_prefix("# ")?;
    let (heading, body) = rest.split_once('\n').unwrap_or((rest, ""));
    let heading = heading.trim().trim_end_matches('#').trim();
    Some((heading.to_owned(), body.trim_start_matches('\n').to_owned()))
}
