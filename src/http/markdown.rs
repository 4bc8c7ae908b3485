//! Markdown from scenarios, rendered to HTML that is safe to put in a page:
//! no raw HTML survives, no `javascript:` links, links open without opener.
//!
//! A fenced code block whose info string says `run` or `copy` after its
//! language (```` ```bash run ````, ```` ```copy ````) is marked for the
//! learner page: `<pre data-action="run">` gets a button that types it
//! into the learner's terminal (and one that copies it), `copy` one that
//! copies it. Other blocks stay plain: only what the author marked acts.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Parser, Tag, TagEnd, html};

/// What a fenced code block's info string asks of the page, if anything.
fn action(info: &str) -> Option<&'static str> {
    info.split_whitespace().find_map(|word| match word {
        "run" => Some("run"),
        "copy" => Some("copy"),
        _ => None,
    })
}

/// Renders Markdown whose images and links to `assets/…` are the
/// scenario's files, served under `assets_base` (`/scenarios/<id>/assets/`),
/// and sanitises the result.
pub fn render(markdown: &str, assets_base: Option<&str>) -> String {
    let options = crate::scenario::markdown_options();
    // Whether the code block being read was marked (its end closes it).
    let mut marked = false;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info))) => match action(info) {
            Some(act) => {
                marked = true;
                Event::Html(CowStr::from(format!("<pre data-action=\"{act}\"><code>")))
            }
            None => event,
        },
        Event::End(TagEnd::CodeBlock) if marked => {
            marked = false;
            Event::Html(CowStr::Borrowed("</code></pre>\n"))
        }
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: in_assets(dest_url, assets_base),
            title,
            id,
        }),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: in_assets(dest_url, assets_base),
            title,
            id,
        }),
        other => other,
    });
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into())
        .add_tag_attribute_values("pre", "data-action", ["run", "copy"])
        .clean(&unsafe_html)
        .to_string()
}

/// `assets/<path>` under `base`; any other address as it is.
fn in_assets<'a>(url: CowStr<'a>, base: Option<&str>) -> CowStr<'a> {
    if let Some(base) = base
        && let Some(path) = url.strip_prefix(crate::scenario::ASSETS_PREFIX)
    {
        return CowStr::from(format!("{base}{path}"));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::scenario::asset_references;

    #[test]
    fn images_and_links_to_assets_are_served_from_the_scenarios_assets() {
        let text = "![The steps](assets/steps.svg \"Steps\")\n\n[the budget](assets/files/budget.csv) and [elsewhere](https://example.org/assets/x.png)\n";
        let html = render(text, Some("/scenarios/tiny/assets/"));
        assert!(
            html.contains(
                "<img src=\"/scenarios/tiny/assets/steps.svg\" alt=\"The steps\" title=\"Steps\">"
            ),
            "{html}"
        );
        assert!(
            html.contains("href=\"/scenarios/tiny/assets/files/budget.csv\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://example.org/assets/x.png\""),
            "{html}"
        );
        assert_eq!(asset_references(text), ["steps.svg", "files/budget.csv"]);
    }

    #[test]
    fn markdown_becomes_html() {
        let html = render(
            "# Title\n\nRun `git log`:\n\n```\ngit log --oneline\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            None,
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<code>git log</code>"));
        assert!(html.contains("<pre><code>git log --oneline"));
        assert!(html.contains("<table>"));
    }

    #[test]
    fn raw_html_and_script_links_are_removed() {
        let html = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) [ok](https://example.org)",
            None,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
    }

    #[test]
    fn only_blocks_marked_run_or_copy_are_marked_and_their_text_stays_escaped() {
        let html = render(
            "```bash run\ngit status\necho \"<b>&\"\n```\n\n```copy\nname = \"Ada\"\n```\n\n```bash\ngit log\n```\n\n    indented\n",
            None,
        );
        assert!(
            html.contains(
                "<pre data-action=\"run\"><code>git status\necho \"&lt;b&gt;&amp;\"\n</code></pre>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<pre data-action=\"copy\"><code>name = \"Ada\"\n</code></pre>"),
            "{html}"
        );
        assert!(html.contains("<pre><code>git log\n</code></pre>"), "{html}");
        assert!(
            html.contains("<pre><code>indented\n</code></pre>"),
            "{html}"
        );
        assert_eq!(html.matches("data-action").count(), 2, "{html}");
    }

    #[test]
    fn an_author_cannot_mark_a_block_with_another_action_or_attribute() {
        let html = render(
            "<pre data-action=\"evil\" onclick=\"x()\">a</pre>\n\n<pre data-action=\"run\" data-x=\"y\">b</pre>\n",
            None,
        );
        assert!(!html.contains("evil"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("data-x"), "{html}");
    }
}
