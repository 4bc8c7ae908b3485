//! Wiring: opens the store, connects to the engine, guards the host, loads
//! the scenarios and images. Every command and the server start here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_embed::RustEmbed;

use crate::auth::Auth;
use crate::config::{Config, HostGuardMode};
use crate::images::{ImageBuilder, ImageCatalog};
use crate::runtime::{HostGuard, RuntimeConfig, SandboxRuntime};
use crate::sandbox::{Limits, SandboxService};
use crate::scenario::{Scenario, ScenarioError, Scenarios};
use crate::store::Store;

#[derive(RustEmbed)]
#[folder = "scenarios/"]
struct BundledScenarios;

/// Everything a command needs, connected.
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    /// The engine sandboxes run on; nothing else is known of it here.
    pub runtime: Arc<dyn SandboxRuntime>,
    pub service: SandboxService,
    /// Change programmes, their impact studies and indicators.
    pub programmes: crate::programme::Programmes,
    /// What learners leave for each other: ratings, tips, questions.
    pub community: crate::community::Community,
    pub images: ImageCatalog,
    /// Where images are built: the engine's own build work, for start-up
    /// and the CLI. None on a runtime that builds no images.
    pub image_builder: Option<ImageBuilder>,
    pub scenarios: Arc<Scenarios>,
    pub host_guard: Option<HostGuard>,
    pub auth: Arc<Auth>,
    /// The installation's secret (the data directory's `link-key`): learner
    /// links and the web's cookie-signing key are derived from it, each
    /// in its own way.
    pub secret: [u8; 32],
}

impl App {
    /// Connects everything to the local Docker engine. Invalid scenarios
    /// are logged and left out.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        // A wrong LRS setting stops the start, with the setting named,
        // before any wait for the engine.
        crate::xapi::LrsSettings::from_config(&config)?;
        let runtime = crate::runtime::connect_docker(
            RuntimeConfig {
                instance: instance_id(&config.data_dir)?,
                subnet_range: config.subnet_range,
                subnet_prefix: config.subnet_prefix,
                disk_dir: config.disks()?,
                disk_helper_image: Some(image_catalog(&config)?.reference("base")),
            },
            config.engine_connect_attempts,
        )
        .await?;
        let image_builder = ImageBuilder::connect().await?;
        let mut app = Self::open_with(config, runtime).await?;
        app.image_builder = Some(image_builder);
        Ok(app)
    }

    /// Connects everything but the engine, and runs sandboxes on `runtime`,
    /// which labels its objects with the data directory's instance id
    /// ([`App::instance`]). Such an App builds no images. Invalid scenarios
    /// are logged and left out.
    pub async fn open_with(
        config: Config,
        runtime: Arc<dyn SandboxRuntime>,
    ) -> anyhow::Result<Self> {
        crate::xapi::LrsSettings::from_config(&config)?;
        let store = Store::open(&config.data_dir).await?;
        let host_guard = guard_host(&config).await?;
        let images = image_catalog(&config)?;
        let (scenarios, errors) = load_scenarios(&config, &images)?;
        for e in errors {
            tracing::error!("scenario left out: {e}");
        }
        let scenarios = Arc::new(Scenarios::new(scenarios));
        let refs = images.clone();
        let secret = link_key(&config.data_dir)?;
        let service = SandboxService::new(runtime.clone(), store.clone(), move |name| {
            refs.reference(name)
        })
        .with_link_key(secret)
        .with_limits(Limits::from_config(&config))
        .with_lifecycle(crate::sandbox::LifecyclePolicy::from_config(&config));
        service.set_scenarios(&scenarios);
        let auth = Arc::new(Auth::new(store.clone()));
        let programmes =
            crate::programme::Programmes::new(store.clone(), scenarios.clone(), config.time_zone);
        let community = crate::community::Community::new(store.clone(), scenarios.clone());
        Ok(Self {
            programmes,
            community,
            auth,
            config: Arc::new(config),
            store,
            runtime,
            service,
            images,
            image_builder: None,
            scenarios,
            host_guard,
            secret,
        })
    }

    /// The terminal hub on this app's engine, recording to
    /// `<data_dir>/recordings` within `recording_budget_mb` per link,
    /// unless `record_terminals` is off.
    pub fn terminal_hub(&self) -> crate::terminal::TerminalHub {
        let config = &self.config;
        let recordings = config.record_terminals.then(|| {
            crate::terminal::Recordings::new(
                config.data_dir.join("recordings"),
                self.store.clone(),
                u64::from(config.recording_budget_mb) * 1024 * 1024,
                self.service.metrics(),
            )
        });
        crate::terminal::TerminalHub::new(self.service.runtime().clone(), recordings)
    }

    /// The id that labels this installation's engine objects (made and
    /// kept in the data directory on first use).
    pub fn instance(data_dir: &Path) -> anyhow::Result<String> {
        instance_id(data_dir)
    }

    /// The installation's secret kept in the data directory (made on first
    /// use): learner links are derived from it.
    pub fn link_key(data_dir: &Path) -> anyhow::Result<[u8; 32]> {
        link_key(data_dir)
    }

    /// A scenario by id, or an error listing the known ones.
    pub fn scenario(&self, id: &str) -> anyhow::Result<&Scenario> {
        self.scenarios.named(id)
    }

    /// Builds every image the scenarios need, so no learner waits for a
    /// build.
    pub async fn ensure_scenario_images(
        &self,
        progress: &(dyn Fn(&str, &str) + Sync),
    ) -> anyhow::Result<()> {
        let needed = self.scenario_images();
        if !needed.is_empty() {
            self.ensure_images(&needed, progress).await?;
        }
        Ok(())
    }

    /// The images the scenarios run in, each once, sorted.
    pub fn scenario_images(&self) -> Vec<String> {
        let mut needed: Vec<String> = self.scenarios.values().map(|s| s.image.clone()).collect();
        needed.sort();
        needed.dedup();
        needed
    }

    /// Builds the image a scenario needs if it is missing or stale.
    pub async fn ensure_image(
        &self,
        scenario: &Scenario,
        progress: &(dyn Fn(&str, &str) + Sync),
    ) -> anyhow::Result<()> {
        self.ensure_images(std::slice::from_ref(&scenario.image), progress)
            .await
    }

    /// Builds each named image (all when `names` is empty) that is missing
    /// or stale.
    pub async fn ensure_images(
        &self,
        names: &[String],
        progress: &(dyn Fn(&str, &str) + Sync),
    ) -> anyhow::Result<()> {
        let Some(builder) = &self.image_builder else {
            anyhow::bail!(
                "this Sandpit runs on an engine that builds no images, so it cannot build {}",
                if names.is_empty() {
                    "any".to_owned()
                } else {
                    names.join(", ")
                }
            );
        };
        builder.ensure(&self.images, names, false, progress).await?;
        Ok(())
    }
}

/// The id that labels this installation's engine objects, kept in the data
/// directory so that it survives restarts.
fn instance_id(data_dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| anyhow::anyhow!("creating the data directory {}: {e}", data_dir.display()))?;
    let path = data_dir.join("instance");
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(id.to_owned());
        }
    }
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    std::fs::write(&path, &id).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    Ok(id)
}

/// The key learner links of cohorts are derived from, kept in the data
/// directory (readable by its owner only) so links survive restarts.
fn link_key(data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = data_dir.join("link-key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let mut key = [0u8; 32];
            if hex::decode_to_slice(text.trim(), &mut key).is_ok() {
                return Ok(key);
            }
            anyhow::bail!(
                "{} is not 64 hex digits; restore it from a backup or remove it (every cohort link changes then)",
                path.display()
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => anyhow::bail!("reading {}: {e}", path.display()),
    }
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    let staging = data_dir.join(format!(".link-key-{}", uuid::Uuid::new_v4().simple()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&staging)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", staging.display()))?;
    file.write_all(hex::encode(key).as_bytes())?;
    file.sync_all()?;
    // Two processes starting at once: the first key written wins.
    if let Err(e) = std::fs::hard_link(&staging, &path) {
        let _ = std::fs::remove_file(&staging);
        if path.exists() {
            return link_key(data_dir);
        }
        anyhow::bail!("writing {}: {e}", path.display());
    }
    let _ = std::fs::remove_file(&staging);
    Ok(key)
}

async fn guard_host(config: &Config) -> anyhow::Result<Option<HostGuard>> {
    if config.host_guard == HostGuardMode::Off {
        tracing::warn!(
            "host guard is off: sandboxes can reach host services listening on all interfaces"
        );
        return Ok(None);
    }
    if !rustix::process::geteuid().is_root() {
        // Installing takes root: `sandpit host install` does it, and
        // `serve` proves it is in place with a probe sandbox.
        tracing::info!(
            "not root: the host guard is not installed here (`sudo sandpit host install` does it); serve checks it is in place"
        );
        return Ok(None);
    }
    match HostGuard::install(config.subnet_range).await {
        Ok(guard) => Ok(Some(guard)),
        Err(e) if config.host_guard == HostGuardMode::BestEffort => {
            tracing::warn!(
                "SANDBOXES CAN REACH THE HOST: the firewall rule that blocks {} from host services could not be installed: {e}",
                config.subnet_range
            );
            Ok(None)
        }
        Err(e) => anyhow::bail!("installing the host firewall rule (host_guard = required): {e}"),
    }
}

pub fn image_catalog(config: &Config) -> anyhow::Result<ImageCatalog> {
    Ok(match &config.images_dir {
        Some(dir) => ImageCatalog::from_dir(dir)
            .map_err(|e| anyhow::anyhow!("reading images from {}: {e}", dir.display()))?,
        None => ImageCatalog::bundled(),
    })
}

/// The directory scenarios are loaded from: the configured one, or the
/// bundled scenarios unpacked into the data directory. Each bundle version
/// goes to a directory named after its content hash, unpacked beside it and
/// renamed into place, so processes sharing a data directory never see a
/// half-written copy.
pub fn scenarios_root(config: &Config) -> anyhow::Result<PathBuf> {
    use sha2::{Digest, Sha256};
    if let Some(dir) = &config.scenarios_dir {
        return Ok(dir.clone());
    }
    let mut files: Vec<_> = BundledScenarios::iter().collect();
    files.sort();
    let mut hash = Sha256::new();
    for path in &files {
        let data = BundledScenarios::get(path)
            .expect("listed files exist")
            .data;
        hash.update(path.as_bytes());
        hash.update((data.len() as u64).to_le_bytes());
        hash.update(&data);
    }
    let version = hex::encode(&hash.finalize()[..8]);
    let parent = config.data_dir.join("bundled-scenarios");
    let root = parent.join(&version);
    if root.is_dir() {
        return Ok(root);
    }
    let staging = parent.join(format!(".unpacking-{}", uuid::Uuid::new_v4().simple()));
    for path in &files {
        let target = staging.join(path.as_ref());
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(
            &target,
            BundledScenarios::get(path)
                .expect("listed files exist")
                .data,
        )?;
    }
    std::fs::create_dir_all(&staging)?;
    if std::fs::rename(&staging, &root).is_err() {
        // Another process unpacked the same version first.
        std::fs::remove_dir_all(&staging)?;
    }
    // Older versions stay: a server started before may still copy seed data
    // from its own. They are small.
    Ok(root)
}

/// Loads every scenario, checking each one's image against the catalog.
pub fn load_scenarios(
    config: &Config,
    images: &ImageCatalog,
) -> anyhow::Result<(Vec<Scenario>, Vec<ScenarioError>)> {
    let root = scenarios_root(config)?;
    let names: BTreeSet<String> = images.names().map(str::to_owned).collect();
    crate::scenario::load_all(&root, Some(&names))
        .map_err(|e| anyhow::anyhow!("reading scenarios from {}: {e}", root.display()))
}
