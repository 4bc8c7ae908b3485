//! A real Sandpit server on 127.0.0.1 port 0, with its own data directory.

use std::net::SocketAddr;
use std::sync::Arc;

use sandpit::app::App;
use sandpit::http::AppState;
use sandpit::sandbox::{LinkToken, Owner};
use sandpit::server::Server;
use sandpit::store::SandboxRecord;
use tokio::sync::oneshot;

use super::TestApp;

/// Sandpit's HTTP server, serving until `stop` is sent or dropped.
pub struct Spawned {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    pub url: String,
    pub state: AppState,
    pub stop: oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Serves `app` on 127.0.0.1 port 0 with the public URL
/// `public_url(its address)`: how every test starts a server.
pub async fn spawn_app(app: Arc<App>, public_url: impl FnOnce(SocketAddr) -> String) -> Spawned {
    let server = Server::bind_app_at(app.clone(), public_url).await.unwrap();
    let (addr, url) = (server.addr(), server.url().to_owned());
    let state = server.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Spawned {
        addr,
        app,
        url,
        state,
        stop,
        task,
    }
}

/// The URL a test server gives itself by default.
pub fn localhost(addr: SocketAddr) -> String {
    format!("http://localhost:{}", addr.port())
}

/// A Sandpit on the repository's scenarios, served as `./dev run` serves
/// it on loopback: at `sandpit.localhost`, with its tools at
/// `*.sandpit.localhost` (one site, so a tool's session cookie is kept
/// inside the learner page's frame).
pub async fn served_as_by_default() -> TestServer {
    TestServer::start_at(super::test_app(super::repo_scenarios()).await, |addr| {
        format!("http://sandpit.localhost:{}", addr.port())
    })
    .await
}

/// A running server with its own data directory; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub url: String,
    pub app: Arc<App>,
    /// The admin's usage figures, as the server's background task keeps them.
    pub usage: Arc<sandpit::sandbox::UsageFigures>,
    /// Runs after the server stopped (this struct's `drop`), before `data`
    /// is deleted.
    _sweeper: super::Sweeper,
    pub data: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start(t: TestApp) -> Self {
        Self::start_at(t, localhost).await
    }

    /// A server whose public URL is `public_url(its address)`: an HTTPS
    /// one, as behind a TLS proxy, or a name other than its own.
    pub async fn start_at(t: TestApp, public_url: impl FnOnce(SocketAddr) -> String) -> Self {
        let TestApp { app, sweeper, data } = t;
        let Spawned {
            addr,
            app,
            url,
            state,
            stop,
            task,
        } = spawn_app(Arc::new(app), public_url).await;
        Self {
            addr,
            url,
            app,
            usage: state.usage.clone(),
            _sweeper: sweeper,
            data,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Provisions a sandbox for `learner` and returns its link's token.
    pub async fn link(&self, scenario: &str, learner: &str) -> (LinkToken, SandboxRecord) {
        let scenario = self.app.scenario(scenario).unwrap().clone();
        let owner = Owner {
            cohort: None,
            learner: Some(learner.to_owned()),
        };
        self.app
            .service
            .create_link(&scenario, &owner)
            .await
            .unwrap()
    }

    pub fn link_url(&self, token: &LinkToken) -> String {
        format!("{}/s/{}", self.url, token.as_str())
    }

    /// The page address of a cohort's learner.
    pub fn learner_url(&self, learner: &sandpit::store::Learner) -> String {
        self.link_url(&self.app.service.learner_token(*learner.id))
    }

    /// Posts a learner page's form as the page does: from the site itself.
    pub async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        super::http::client()
            .post(url)
            .header(reqwest::header::ORIGIN, &self.url)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Runs an exercise's solve script in the sandbox, as a learner would
    /// have done the exercise.
    pub async fn solve(&self, sandbox: uuid::Uuid, scenario: &str, exercise: &str) {
        let scenario = self.app.scenario(scenario).unwrap().clone();
        let exercise = sandpit::scenario::ExerciseId::parse(exercise).unwrap();
        let out = self
            .app
            .service
            .solve(sandbox, &scenario, &exercise)
            .await
            .unwrap();
        assert_eq!(out.exit_code, Some(0), "the solve script failed: {out:?}");
    }

    /// Destroys the sandbox, then asserts that nothing of this server's
    /// instance is left on the engine.
    pub async fn finish(&self, sandbox: uuid::Uuid) {
        self.app.service.destroy(sandbox).await.unwrap();
        self.assert_nothing_left().await;
    }

    /// Asserts that this server's instance owns no container or network.
    pub async fn assert_nothing_left(&self) {
        let left = self.app.runtime.list_owned(false).await.unwrap();
        assert!(
            left.is_empty(),
            "objects left behind: {:?}",
            left.iter().map(|o| &o.name).collect::<Vec<_>>()
        );
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    /// Stops the server; on a multi-threaded runtime also waits for its
    /// background work to drain (sandboxes being provisioned are finished),
    /// so that the sweep that follows finds everything there is.
    fn drop(&mut self) {
        use tokio::runtime::{Handle, RuntimeFlavor};
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let (Some(task), Ok(handle)) = (self.task.take(), Handle::try_current())
            && handle.runtime_flavor() == RuntimeFlavor::MultiThread
        {
            tokio::task::block_in_place(|| {
                let _ = handle.block_on(tokio::time::timeout(
                    std::time::Duration::from_secs(60),
                    task,
                ));
            });
        }
    }
}
