//! Sandpit behind a real reverse proxy over HTTPS, reached by public names
//! (not localhost), as an organisation deploys it: nginx (Debian's package)
//! with the shipped `deploy/nginx/sandpit.conf` and the organisation's
//! certificate, and the pieces the Caddy tests share (Caddy with the shipped
//! `deploy/caddy/Caddyfile` and its own local certificate authority: see
//! `service_unit` and `compose`). The learner's Chromium trusts the
//! authority (installed in its NSS database, as a workstation's
//! administrator would) and resolves the names to loopback (as the
//! organisation's DNS would). Through the proxy a learner types in the
//! terminal (a websocket) and passes a check, signs in to the wiki inside
//! the page's frame (a tool under the wildcard name) and passes its check.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{Cleanup, repo_scenarios, test_app_with};

pub(crate) const PUBLIC: &str = "sandpit.example.test";
pub(crate) const TOOLS: &str = "sandbox.example.test";

/// A Caddy process on loopback; stopped when dropped.
pub(crate) struct Caddy {
    child: Child,
    /// Caddy's local certificate authority's root certificate.
    pub(crate) root: PathBuf,
    log: PathBuf,
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // What Caddy found wrong, shown with a failing test's output.
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        for line in log.lines().filter(|l| l.contains("\"level\":\"error\"")) {
            eprintln!("caddy: {line}");
        }
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Caddy {
    /// Caddy on `port` in front of `upstream`, with the shipped site
    /// configuration; everything it writes goes under `dir`.
    pub(crate) async fn start(dir: &Path, port: u16, upstream: SocketAddr) -> Self {
        let shipped = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/caddy/Caddyfile"),
        )
        .unwrap();
        // The test's own global options, added to the shipped ones: no
        // admin endpoint, no port 80, no change to the machine's trust
        // store, state in the test's folder.
        let storage = dir.join("caddy");
        let caddyfile = dir.join("Caddyfile");
        assert!(
            shipped.contains("\n{\n"),
            "the shipped Caddyfile has global options"
        );
        let options = format!(
            "\n{{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n\
             \tstorage file_system {}\n",
            storage.display()
        );
        std::fs::write(&caddyfile, shipped.replacen("\n{\n", &options, 1)).unwrap();
        let child = Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&caddyfile)
            .env("HOME", dir)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("SANDPIT_PUBLIC", format!("{PUBLIC}:{port}"))
            .env("SANDPIT_TOOLS", format!("{TOOLS}:{port}"))
            .env("SANDPIT_TLS", "internal")
            .env("SANDPIT_UPSTREAM", upstream.to_string())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("caddy.log")).unwrap())
            .spawn()
            .expect("caddy is installed (apt-get install caddy)");
        let caddy = Self {
            child,
            root: storage.join("pki/authorities/local/root.crt"),
            log: dir.join("caddy.log"),
        };
        // Ready once both certificates are issued and the port answers.
        let certificates = storage.join("certificates/local");
        let issued = [
            certificates.join(format!("{PUBLIC}/{PUBLIC}.crt")),
            certificates.join(format!("wildcard_.{TOOLS}/wildcard_.{TOOLS}.crt")),
        ];
        let deadline = Instant::now() + Duration::from_secs(30);
        while !(issued.iter().all(|c| c.exists())
            && caddy.root.exists()
            && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())
        {
            assert!(
                Instant::now() < deadline,
                "caddy did not start: {}",
                std::fs::read_to_string(dir.join("caddy.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        caddy
    }
}

/// A home whose NSS database trusts `root`, as Chromium on Linux reads it.
fn home_trusting(dir: &Path, root: &Path) -> PathBuf {
    let home = dir.join("home");
    let db = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let db = format!("sql:{}", db.display());
    for args in [
        vec!["-d", &db, "-N", "--empty-password"],
        vec![
            "-d",
            &db,
            "-A",
            "-t",
            "C,,",
            "-n",
            "organisation-ca",
            "-i",
            root.to_str().unwrap(),
        ],
    ] {
        let out = Command::new("certutil")
            .args(&args)
            .output()
            .expect("certutil is installed (apt-get install libnss3-tools)");
        assert!(out.status.success(), "certutil {args:?}: {out:?}");
    }
    home
}

/// A Sandpit whose public URL is `https://PUBLIC:port`, its tools under
/// `*.TOOLS`, trusting a proxy on loopback.
async fn sandpit_behind(port: u16) -> TestServer {
    TestServer::start_at(
        test_app_with(repo_scenarios(), |c| {
            c.sandbox_domain = TOOLS.into();
            c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        })
        .await,
        |_| format!("https://{PUBLIC}:{port}"),
    )
    .await
}

/// The API answers through the proxy on `port`, over HTTPS, by name, with
/// a certificate `root` vouches for.
async fn ready_through(port: u16, root: &Path) {
    let root = reqwest::Certificate::from_pem(&std::fs::read(root).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(root)
        .resolve(PUBLIC, SocketAddr::from(([127, 0, 0, 1], port)))
        .build()
        .unwrap();
    let ready = http
        .get(format!("https://{PUBLIC}:{port}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
}

/// A learner, in a Chromium trusting `root`, works through the proxy on
/// `port`: the terminal and a check in git-basics, then (given its link)
/// the wiki signed in to and edited inside the frame, and its check.
pub(crate) async fn learner_works_through(
    dir: &Path,
    root: &Path,
    port: u16,
    git: &str,
    wiki: Option<&str>,
) {
    let home = home_trusting(dir, root);
    let browser = Browser::start_at_home(&home, &[PUBLIC, &format!("*.{TOOLS}")]).await;

    // The terminal: a websocket through Caddy, then a check.
    let link = git;
    assert!(
        link.starts_with(&format!("https://{PUBLIC}:{port}/s/")),
        "{link}"
    );
    browser.open(link, ".term-status").await;
    browser.introduce_to_git().await;
    let verdict = browser.check().await;
    assert!(verdict.contains("Passed!"), "{verdict}");
    assert_eq!(
        browser.client.current_url().await.unwrap().scheme(),
        "https"
    );

    // The wiki, in the page's frame, under the wildcard name.
    let Some(wiki) = wiki else {
        browser.close().await;
        return;
    };
    let token = sandpit::sandbox::LinkToken::parse(wiki.rsplit('/').next().unwrap()).unwrap();
    browser.open(wiki, "#pane-web-8080 iframe").await;
    let frame = browser.find("#pane-web-8080 iframe").await;
    let src = frame.attr("src").await.unwrap().unwrap_or_default();
    assert!(
        src.starts_with(&format!(
            "https://8080-{}.{TOOLS}:{port}/",
            token.web_key().as_str()
        )),
        "{src}"
    );
    frame.enter_frame().await.unwrap();
    browser
        .write_wiki_user_page(
            "Hello! I'm Ada, reaching the wiki through the organisation's proxy.",
            "through the organisation's proxy",
        )
        .await;
    // The wiki's pages came over HTTPS, under the tool's own name.
    let inside = browser.location().await;
    assert!(
        inside.starts_with(&format!(
            "https://8080-{}.{TOOLS}:{port}/",
            token.web_key().as_str()
        )),
        "{inside}"
    );
    browser.client.enter_parent_frame().await.unwrap();
    let feedback = browser.check().await;
    assert!(feedback.contains("Passed!"), "{feedback}");

    browser.close().await;
}

/// A learner's links on `server` to git-basics and wiki-basics, then the
/// flow through the proxy, then the sandboxes removed.
async fn learner_works_through_server(
    server: &TestServer,
    dir: &Path,
    root: &Path,
    port: u16,
    with_wiki: bool,
) {
    let mut cleanup = Cleanup::default();
    let (git, sandbox) = server.link("git-basics", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let wiki = if with_wiki {
        let (wiki, wiki_sandbox) = server.link("wiki-basics", "Ada").await;
        cleanup.ids.push(wiki_sandbox.id);
        Some((server.link_url(&wiki), wiki_sandbox.id))
    } else {
        None
    };
    learner_works_through(
        dir,
        root,
        port,
        &server.link_url(&git),
        wiki.as_ref().map(|(url, _)| url.as_str()),
    )
    .await;
    if let Some((_, id)) = wiki {
        server.app.service.destroy(id).await.unwrap();
    }
    server.finish(sandbox.id).await;
}

/// A certificate authority and a certificate it signed for Sandpit's name
/// and its tools' wildcard, made with openssl: (CA, certificate, key).
fn organisation_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is installed (apt-get install openssl)");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-subj",
        "/CN=Organisation test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "sandpit.key",
        "-out",
        "sandpit.csr",
        "-subj",
        &format!("/CN={PUBLIC}"),
    ]);
    std::fs::write(
        dir.join("sandpit.ext"),
        format!(
            "subjectAltName=DNS:{PUBLIC},DNS:*.{TOOLS}\n\
             extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
        ),
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "sandpit.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "sandpit.crt",
        "-extfile",
        "sandpit.ext",
    ]);
    (
        dir.join("ca.crt"),
        dir.join("sandpit.crt"),
        dir.join("sandpit.key"),
    )
}

/// nginx in the foreground; stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Nginx {
    /// nginx on `port` in front of `upstream`, with the shipped server
    /// block (its names, certificate and upstream filled in); everything it
    /// writes goes under `dir`.
    async fn start(dir: &Path, port: u16, upstream: SocketAddr, cert: &Path, key: &Path) -> Self {
        let shipped = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx/sandpit.conf"),
        )
        .unwrap();
        let site = shipped
            .replace("listen 443 ssl;", &format!("listen 127.0.0.1:{port} ssl;"))
            .replace("sandpit.example.org", PUBLIC)
            .replace("sandbox.example.org", TOOLS)
            .replace("/etc/ssl/sandpit/fullchain.pem", cert.to_str().unwrap())
            .replace("/etc/ssl/sandpit/privkey.pem", key.to_str().unwrap())
            .replace("127.0.0.1:8080", &upstream.to_string());
        assert!(
            site.contains(&format!("listen 127.0.0.1:{port} ssl;")),
            "{site}"
        );
        std::fs::write(dir.join("sandpit.conf"), site).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{}}\nhttp {{\n  access_log off;\n\
                 client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 include {d}/sandpit.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx is installed (apt-get install nginx-light)");
        let nginx = Self(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        nginx
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_works_through_nginx_over_https_by_public_names() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = sandpit_behind(port).await;
    let (ca, cert, key) = organisation_certificates(dir.path());
    let nginx = Nginx::start(dir.path(), port, server.addr, &cert, &key).await;
    ready_through(port, &ca).await;
    learner_works_through_server(&server, dir.path(), &ca, port, true).await;
    drop(nginx);
}
