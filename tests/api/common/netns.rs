//! Chromium in a network namespace of its own, reaching this machine's
//! loopback only through a SOCKS5 forwarder the test runs.
//!
//! Chromium aborts every request in flight with `ERR_NETWORK_CHANGED` when
//! the machine's interfaces change, and the engine adds and removes a
//! bridge for each sandbox that other tests start meanwhile: a learner's
//! browser on another machine never sees that. In its own namespace
//! Chromium sees one interface, its own loopback, which never changes. The
//! forwarder connects to this machine's loopback and nowhere else (names
//! the test gives map to 127.0.0.1, as the organisation's DNS would; an
//! address the test gives, one of this machine's own, is taken as it is;
//! any other destination is refused and said on stderr), so no page a test
//! opens can send a packet off this machine.

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The port chromedriver listens on inside the namespace (the namespace is
/// the test's own: nothing else listens there).
pub const DRIVER_PORT: u16 = 9515;
/// The SOCKS5 forwarder's port inside the namespace.
pub const SOCKS_PORT: u16 = 1080;

/// A network namespace, held by a process in it.
#[derive(Clone)]
pub struct Netns(std::sync::Arc<File>);

impl Netns {
    /// The network namespace process `pid` is in.
    pub fn of(pid: u32) -> Self {
        let file = File::open(format!("/proc/{pid}/ns/net"))
            .unwrap_or_else(|e| panic!("the network namespace of process {pid}: {e}"));
        Self(std::sync::Arc::new(file))
    }

    /// Runs `f` on a new thread inside the namespace (the calling thread
    /// and the runtime's threads stay where they are).
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let ns = self.0.clone();
        std::thread::spawn(move || {
            rustix::thread::move_into_link_name_space(
                ns.as_fd(),
                Some(rustix::thread::LinkNameSpaceType::Network),
            )
            .expect("entering the browser's network namespace");
            f()
        })
        .join()
        .expect("a thread in the browser's network namespace")
    }
}

/// chromedriver in a new network namespace, and the Chromium it starts;
/// all of them stopped when dropped (the process group is killed).
pub struct Driver {
    child: Child,
    pub ns: Netns,
}

impl Driver {
    /// Starts `chromedriver` (with `env`, which Chromium inherits) in a
    /// new network namespace with its loopback up, and waits until it
    /// answers there.
    pub async fn start(env: &[(&str, &std::ffi::OsStr)]) -> Self {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut command = Command::new("unshare");
        command
            .args(["--net", "--", "sh", "-c"])
            .arg(format!(
                "ip link set lo up && exec chromedriver --port={DRIVER_PORT} --allowed-ips=127.0.0.1"
            ))
            .envs(env.iter().copied())
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap());
        let child = command.spawn().expect(
            "unshare (util-linux), ip (iproute2) and chromedriver (chromium-driver) are installed",
        );
        let ours = std::fs::metadata("/proc/self/ns/net").unwrap().ino();
        let mut driver = None;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // The process is in the new namespace once `unshare` ran.
            let theirs = std::fs::metadata(format!("/proc/{}/ns/net", child.id()))
                .map(|m| m.ino())
                .ok();
            if theirs.is_some_and(|ino| ino != ours) {
                let ns = driver.get_or_insert_with(|| Netns::of(child.id()));
                if ns.run(|| std::net::TcpStream::connect(("127.0.0.1", DRIVER_PORT)).is_ok()) {
                    break;
                }
            }
            if Instant::now() >= deadline {
                let mut child = child;
                let _ = kill_group(&child);
                let _ = child.wait();
                panic!(
                    "chromedriver did not start in a network namespace of its own: {}",
                    std::fs::read_to_string(log.path()).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self {
            ns: driver.expect("the namespace, found above"),
            child,
        }
    }
}

fn kill_group(child: &Child) -> rustix::io::Result<()> {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("a child's pid");
    rustix::process::kill_process_group(pid, rustix::process::Signal::KILL)
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = kill_group(&self.child);
        let _ = self.child.wait();
    }
}

/// The forwarders a namespaced browser needs; stopped when dropped.
pub struct Forwarders(Vec<JoinHandle<()>>);

impl Drop for Forwarders {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl Forwarders {
    /// A listener on this machine's loopback that leads to chromedriver in
    /// `ns` (returned: its address), and the SOCKS5 forwarder in `ns` that
    /// leads Chromium's connections to this machine's loopback, `names`
    /// (`sandpit.example.test`, `*.sandbox.example.test`) and `localhost`
    /// resolving to 127.0.0.1.
    pub async fn start(ns: &Netns, names: &[String]) -> (Self, SocketAddr) {
        // An address among the names must be one of this machine's own
        // (binding to it proves it): the forwarder connects to it as it is.
        for ip in names.iter().filter_map(|n| n.parse::<IpAddr>().ok()) {
            assert!(
                std::net::TcpListener::bind((ip, 0)).is_ok(),
                "{ip} is not an address of this machine: the browser may not reach it"
            );
        }
        let driver = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let driver_addr = driver.local_addr().unwrap();
        let into = ns.clone();
        let to_driver = tokio::spawn(async move {
            while let Ok((outside, _)) = driver.accept().await {
                let into = into.clone();
                tokio::spawn(async move {
                    let inside = tokio::task::spawn_blocking(move || {
                        into.run(|| std::net::TcpStream::connect(("127.0.0.1", DRIVER_PORT)))
                    })
                    .await
                    .unwrap();
                    if let Ok(inside) = inside {
                        splice(outside, inside).await;
                    }
                });
            }
        });
        let socks = ns
            .run(|| std::net::TcpListener::bind(("127.0.0.1", SOCKS_PORT)))
            .expect("the SOCKS forwarder's port in the browser's namespace");
        socks.set_nonblocking(true).unwrap();
        let socks = TcpListener::from_std(socks).unwrap();
        let names = names.to_vec();
        let from_browser = tokio::spawn(async move {
            while let Ok((inside, _)) = socks.accept().await {
                let names = names.clone();
                tokio::spawn(async move {
                    if let Some((inside, outside)) = socks5_connect(inside, &names).await {
                        splice_streams(inside, outside).await;
                    }
                });
            }
        });
        (Self(vec![to_driver, from_browser]), driver_addr)
    }
}

async fn splice(outside: TcpStream, inside: std::net::TcpStream) {
    if inside.set_nonblocking(true).is_err() {
        return;
    }
    if let Ok(inside) = TcpStream::from_std(inside) {
        splice_streams(outside, inside).await;
    }
}

async fn splice_streams(mut a: TcpStream, mut b: TcpStream) {
    let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
}

/// Where a name leads: this machine's loopback for `localhost`,
/// `*.localhost` and the test's names, nowhere for anything else.
fn resolve(name: &str, names: &[String]) -> Option<IpAddr> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    // Browsers resolve `localhost` and `*.localhost` to loopback themselves.
    let known = name == "localhost"
        || name.ends_with(".localhost")
        || names.iter().any(|n| match n.strip_prefix("*.") {
            Some(suffix) => name
                .strip_suffix(suffix)
                .is_some_and(|label| label.ends_with('.') && label.len() > 1),
            None => *n == name,
        });
    known.then_some(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// Serves one SOCKS5 CONNECT (RFC 1928, no authentication) from the
/// browser: returns the browser's stream and one to the destination, which
/// is always on this machine's loopback; refuses anything else.
async fn socks5_connect(mut inside: TcpStream, names: &[String]) -> Option<(TcpStream, TcpStream)> {
    let mut head = [0u8; 2];
    inside.read_exact(&mut head).await.ok()?;
    let mut methods = vec![0u8; usize::from(head[1])];
    inside.read_exact(&mut methods).await.ok()?;
    if head[0] != 5 || !methods.contains(&0) {
        let _ = inside.write_all(&[5, 0xff]).await;
        return None;
    }
    inside.write_all(&[5, 0]).await.ok()?;
    let mut request = [0u8; 4];
    inside.read_exact(&mut request).await.ok()?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            inside.read_exact(&mut ip).await.ok()?;
            Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let len = inside.read_u8().await.ok()?;
            let mut name = vec![0u8; usize::from(len)];
            inside.read_exact(&mut name).await.ok()?;
            String::from_utf8(name).ok()?
        }
        4 => {
            let mut ip = [0u8; 16];
            inside.read_exact(&mut ip).await.ok()?;
            std::net::Ipv6Addr::from(ip).to_string()
        }
        _ => return None,
    };
    let port = inside.read_u16().await.ok()?;
    let reply = |code: u8| [5, code, 0, 1, 0, 0, 0, 0, 0, 0];
    if request[1] != 1 {
        // Only CONNECT: "command not supported".
        let _ = inside.write_all(&reply(7)).await;
        return None;
    }
    let ip = match host.parse::<IpAddr>() {
        // Loopback, or this machine's own address when the test names it.
        Ok(ip) if ip.is_loopback() || names.contains(&ip.to_string()) => Some(ip),
        Ok(_) => None,
        Err(_) => resolve(&host, names),
    };
    let Some(ip) = ip else {
        eprintln!("the browser tried to reach {host}:{port}, off this machine: refused");
        // "Connection not allowed by ruleset".
        let _ = inside.write_all(&reply(2)).await;
        return None;
    };
    match TcpStream::connect((ip, port)).await {
        Ok(outside) => {
            inside.write_all(&reply(0)).await.ok()?;
            Some((inside, outside))
        }
        Err(_) => {
            // "Connection refused".
            let _ = inside.write_all(&reply(5)).await;
            None
        }
    }
}

#[test]
fn names_resolve_to_loopback_only_when_the_test_gave_them() {
    let names = [
        "sandpit.example.test".to_owned(),
        "*.sandbox.example.test".to_owned(),
    ];
    let loopback = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(resolve("sandpit.example.test", &names), loopback);
    assert_eq!(resolve("8080-abc.sandbox.example.test", &names), loopback);
    assert_eq!(resolve("localhost", &names), loopback);
    assert_eq!(resolve("8080-abc.sandpit.localhost", &names), loopback);
    assert_eq!(resolve("sandbox.example.test", &names), None);
    assert_eq!(resolve("evilsandbox.example.test", &names), None);
    assert_eq!(resolve("example.org", &names), None);
}
