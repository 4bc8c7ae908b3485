//! A real headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`), for end-to-end page tests.

use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use super::netns::{Driver, Forwarders, SOCKS_PORT};

/// A chromedriver process and a browser session in a network namespace of
/// their own (see [`super::netns`]); both end when dropped.
pub struct Browser {
    pub client: Client,
    _forwarders: Forwarders,
    _driver: Driver,
}

impl Browser {
    /// A browser whose user prefers English.
    pub async fn start() -> Self {
        Self::start_with("en-US", None).await
    }

    /// A browser whose user prefers `lang` (`fr-FR`): its interface and the
    /// `Accept-Language` it sends.
    pub async fn start_in(lang: &str) -> Self {
        Self::start_with(lang, None).await
    }

    /// A browser whose clock is in `time_zone` (an IANA name such as
    /// `Etc/GMT-2`), as a learner's elsewhere would be.
    pub async fn start_in_zone(time_zone: &str) -> Self {
        Self::start_with("en-US", Some(time_zone)).await
    }

    /// A browser that trusts the certificate authorities in the NSS
    /// database under `home` (`.pki/nssdb`, as a workstation whose
    /// administrator installed the organisation's CA) and reaches `names`
    /// (`sandpit.example.test`, `*.sandbox.example.test`) on this machine's
    /// loopback, as the organisation's DNS would: no query leaves the
    /// machine.
    pub async fn start_at_home(home: &std::path::Path, names: &[&str]) -> Self {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        Self::start_full("en-US", None, Some(home), &names).await
    }

    async fn start_with(lang: &str, time_zone: Option<&str>) -> Self {
        Self::start_full(lang, time_zone, None, &[]).await
    }

    async fn start_full(
        lang: &str,
        time_zone: Option<&str>,
        home: Option<&std::path::Path>,
        names: &[String],
    ) -> Self {
        // Chromium inherits the driver's environment, TZ and HOME included.
        let mut env: Vec<(&str, &std::ffi::OsStr)> = Vec::new();
        if let Some(tz) = time_zone {
            env.push(("TZ", tz.as_ref()));
        }
        if let Some(home) = home {
            env.push(("HOME", home.as_os_str()));
        }
        let driver = Driver::start(&env).await;
        let (forwarders, driver_addr) = Forwarders::start(&driver.ns, names).await;
        let mut caps = serde_json::Map::new();
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1400,900",
            "--no-first-run",
        ]
        .map(str::to_owned)
        .into();
        args.push(format!("--lang={lang}"));
        // Every connection through the forwarder, loopback's included.
        args.push(format!("--proxy-server=socks5://127.0.0.1:{SOCKS_PORT}"));
        args.push("--proxy-bypass-list=<-loopback>".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "args": args,
                "prefs": { "intl.accept_languages": lang }
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://{driver_addr}"))
            .await
            .expect("a Chromium session");
        Self {
            client,
            _forwarders: forwarders,
            _driver: driver,
        }
    }

    /// Waits for an element matching `css` to be present.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Polls until the text of `css` satisfies `ok`, and returns it.
    pub async fn wait_text(&self, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&text) {
                return text;
            }
            if Instant::now() >= deadline {
                // What the page showed, for whoever reads the failure.
                let shot = std::env::temp_dir().join("sandpit-wait-failed.png");
                self.screenshot(shot.to_str().unwrap_or_default()).await;
                let url = self.client.current_url().await.map(|u| u.to_string());
                panic!(
                    "waited for {what} in {css}; it shows: {text:?} (page {url:?}, screenshot {})",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fills Sandpit's sign-in form on the current page with `name` and
    /// `password` and sends it, as a person would.
    pub async fn sign_in_with(&self, name: &str, password: &str) {
        self.find("#name").await.send_keys(name).await.unwrap();
        self.find("#password")
            .await
            .send_keys(password)
            .await
            .unwrap();
        self.find("form[action='/login'] button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
    }

    /// Signs in to the wiki-basics wiki as its learner, from the page the
    /// current frame shows ("Log in" at the top right, as the instructions
    /// say); returns once the form is sent.
    pub async fn sign_in_to_wiki(&self) {
        self.wait_text("#firstHeading", "the wiki's main page", |t| {
            t == "Main Page"
        })
        .await;
        self.find("a[href*='Special:UserLogin']")
            .await
            .click()
            .await
            .unwrap();
        self.find("#wpName1")
            .await
            .send_keys("Learner")
            .await
            .unwrap();
        self.find("#wpPassword1")
            .await
            .send_keys("learn-the-wiki")
            .await
            .unwrap();
        self.find("#wpLoginAttempt").await.click().await.unwrap();
    }

    /// Opens `url` and waits for `css` on it.
    pub async fn open(&self, url: &str, css: &str) {
        self.client.goto(url).await.unwrap();
        self.find(css).await;
    }

    /// Presses Check and returns the verdict (or what the page says went
    /// wrong).
    pub async fn check(&self) -> String {
        self.find("button.check").await.click().await.unwrap();
        self.wait_text(".feedback", "the check's verdict", |t| {
            t.contains("Passed!")
                || t.contains("Not yet.")
                || t.contains("error")
                || t.contains("could not be reached")
        })
        .await
    }

    /// On a git-basics page: waits for the terminal, then types the first
    /// exercise's commands and `git config --global --list`, as a learner
    /// would, and waits for git's answer on the screen (however it wraps).
    pub async fn introduce_to_git(&self) {
        self.wait_text(".term-status", "a connected terminal", |t| {
            t.contains("connected")
        })
        .await;
        let terminal = self.find(".terminal").await;
        terminal.click().await.unwrap();
        for command in [
            "git config --global user.name \"Ada Lovelace\"",
            "git config --global user.email ada@example.net",
            "git config --global --list",
        ] {
            terminal
                .send_keys(&format!("{command}\u{E007}"))
                .await
                .unwrap();
        }
        self.wait_text(".term-screen", "git's answer on the screen", |t| {
            t.replace('\n', "").contains("user.email=ada@example.net")
        })
        .await;
    }

    /// In the wiki the current frame shows: signs in as its learner, opens
    /// their user page (the name at the top right stays from page to page:
    /// the session cookie is kept inside the frame), writes `text` on it
    /// and saves; returns the saved page's text once it shows `saved`.
    pub async fn write_wiki_user_page(&self, text: &str, saved: &str) -> String {
        // Sign in, as the instructions say: "Log in" at the top right.
        self.sign_in_to_wiki().await;
        let user_link = "#pt-userpage a, #pt-userpage-2 a";
        self.wait_text(user_link, "the signed-in user's name", |t| t == "Learner")
            .await;
        self.find(user_link).await.click().await.unwrap();
        let heading = self
            .wait_text("#firstHeading", "the page editor", |t| {
                t.contains("User:Learner")
            })
            .await;
        // The page does not exist yet: the wiki offers to create it.
        if !heading.contains("Creating") {
            self.find("#ca-edit a, #ca-viewsource a")
                .await
                .click()
                .await
                .unwrap();
        }
        self.find("#wpTextbox1")
            .await
            .send_keys(text)
            .await
            .unwrap();
        self.find("#wpSave").await.click().await.unwrap();
        self.wait_text("#mw-content-text", "the saved page", |t| t.contains(saved))
            .await
    }

    /// From now on, remembers the page's uncaught script errors (see
    /// [`script_errors`](Self::script_errors)).
    pub async fn watch_script_errors(&self) {
        self.client
            .execute(
                "window.__errors = []; \
                 window.addEventListener('error', (e) => window.__errors.push(String(e.message))); \
                 window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));",
                vec![],
            )
            .await
            .expect("watching script errors");
    }

    /// The uncaught script errors since `watch_script_errors` on this page.
    pub async fn script_errors(&self) -> serde_json::Value {
        self.client
            .execute("return window.__errors || null", vec![])
            .await
            .expect("reading script errors")
    }

    /// The address of the page the current frame shows.
    pub async fn location(&self) -> String {
        let href = self
            .client
            .execute("return location.href", vec![])
            .await
            .expect("the frame's address");
        href.as_str().unwrap_or_default().to_owned()
    }

    /// Saves a screenshot (for a person to look at when a test fails).
    pub async fn screenshot(&self, path: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(path, png);
        }
    }

    /// Ends the session (Chromium quits), then the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
