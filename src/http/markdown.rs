//! Markdown from scenarios, rendered to HTML that is safe to put in a page:
//! no raw HTML survives, no `javascript:` links, links open without opener.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown and sanitises the result.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into())
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_becomes_html() {
        let html = render(
            "# Title\n\nRun `git log`:\n\n```\ngit log --oneline\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
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
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
    }
}
