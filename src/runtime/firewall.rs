//! Keeps sandboxes away from the host's own services. A sandbox network's
//! gateway is the host, so without this a sandbox could connect to anything
//! listening on all interfaces. Sandpit installs one iptables chain that
//! drops new connections from the sandbox range to the host, and removes it.

use ipnet::Ipv4Net;
use tokio::process::Command;

const CHAIN: &str = "SANDPIT-HOSTGUARD";

/// The installed rule set for one address range.
#[derive(Debug, Clone)]
pub struct HostGuard {
    range: Ipv4Net,
}

impl HostGuard {
    /// Installs the chain, this range's rules and the jump from INPUT, each
    /// only if missing, so several Sandpits on one host can share the chain.
    pub async fn install(range: Ipv4Net) -> Result<Self, String> {
        // Check-then-add is not atomic: serialise with other Sandpits here.
        let _lock = crate::lock::machine_lock("hostguard").await;
        if iptables(&["-L", CHAIN, "-n"]).await.is_err() {
            iptables(&["-N", CHAIN]).await?;
        }
        for rule in Self::rules(range) {
            let rule: Vec<&str> = rule.iter().map(String::as_str).collect();
            if iptables(&[&["-C", CHAIN], &rule[..]].concat())
                .await
                .is_err()
            {
                iptables(&[&["-A", CHAIN], &rule[..]].concat()).await?;
            }
        }
        if iptables(&["-C", "INPUT", "-j", CHAIN]).await.is_err() {
            iptables(&["-I", "INPUT", "1", "-j", CHAIN]).await?;
        }
        Ok(Self { range })
    }

    /// The rules for `range`, whether installed or not (to remove them).
    pub fn of(range: Ipv4Net) -> Self {
        Self { range }
    }

    /// The iptables commands [`HostGuard::install`] runs where their rule
    /// is missing, in order (what `sandpit host install --dry-run` prints).
    pub fn commands(range: Ipv4Net) -> Vec<String> {
        let mut out = vec![format!("iptables -w -N {CHAIN}")];
        for rule in Self::rules(range) {
            out.push(format!("iptables -w -A {CHAIN} {}", rule.join(" ")));
        }
        out.push(format!("iptables -w -I INPUT 1 -j {CHAIN}"));
        out
    }

    /// Replies to connections the host opened (proxy, terminal) pass; every
    /// other packet from the range to the host is dropped.
    fn rules(range: Ipv4Net) -> [Vec<String>; 2] {
        let r = range.to_string();
        let v = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        [
            v(&[
                "-s",
                &r,
                "-m",
                "conntrack",
                "--ctstate",
                "ESTABLISHED,RELATED",
                "-j",
                "RETURN",
            ]),
            v(&["-s", &r, "-j", "DROP"]),
        ]
    }

    /// True when this range's drop rule is in place and reached from INPUT.
    pub async fn is_installed(&self) -> bool {
        let r = self.range.to_string();
        iptables(&["-C", "INPUT", "-j", CHAIN]).await.is_ok()
            && iptables(&["-C", CHAIN, "-s", &r, "-j", "DROP"])
                .await
                .is_ok()
    }

    /// Removes this range's rules, and the chain once it is empty. Already
    /// gone is success.
    pub async fn remove(self) -> Result<(), String> {
        let _lock = crate::lock::machine_lock("hostguard").await;
        for rule in Self::rules(self.range) {
            let rule: Vec<&str> = rule.iter().map(String::as_str).collect();
            while iptables(&[&["-C", CHAIN], &rule[..]].concat())
                .await
                .is_ok()
            {
                iptables(&[&["-D", CHAIN], &rule[..]].concat()).await?;
            }
        }
        let listing = Command::new("iptables")
            .args(["-w", "-S", CHAIN])
            .output()
            .await;
        let empty = listing.is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).lines().count() <= 1
        });
        if empty {
            while iptables(&["-C", "INPUT", "-j", CHAIN]).await.is_ok() {
                iptables(&["-D", "INPUT", "-j", CHAIN]).await?;
            }
            let _ = iptables(&["-X", CHAIN]).await;
        }
        Ok(())
    }
}

async fn iptables(args: &[&str]) -> Result<(), String> {
    let out = Command::new("iptables")
        .arg("-w")
        .args(args)
        .output()
        .await
        .map_err(|e| format!("running iptables: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "iptables {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
