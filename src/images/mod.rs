//! Images without a registry: `images/base` is a Debian root file system made
//! with debootstrap and imported; every other `images/<name>/Dockerfile`
//! builds FROM it. Images are rebuilt only when missing, when their files
//! changed, or when asked to. Each build is tagged with the hash of its files
//! (`sandpit/shell:<hash>`) as well as `latest`, and sandboxes start from the
//! hash tag: two Sandpit versions on one engine each keep their own images
//! instead of rebuilding them back and forth.

mod base;

use std::collections::BTreeMap;
use std::path::Path;

use bollard::Docker;
use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

/// Every image is tagged `sandpit/<name>`.
pub const IMAGE_PREFIX: &str = "sandpit/";
/// The image of Sandpit itself (see [`ImageCatalog::with_server`]).
pub const SERVER: &str = "server";
/// The label that records the hash of the files an image was built from.
const LABEL_HASH: &str = "sandpit.image.hash";

#[derive(RustEmbed)]
#[folder = "images/"]
struct Bundled;

/// Errors while building images.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("no image `{0}` (known: {1})")]
    Unknown(String, String),
    #[error("{context}: {source}")]
    Engine {
        context: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("building image `{image}`: {message}")]
    Build { image: String, message: String },
}

/// The engine connection images are built with. Building images is
/// engine-specific work, apart from the sandbox runtime: only start-up and
/// the CLI use it, never a request handler.
#[derive(Debug, Clone)]
pub struct ImageBuilder {
    docker: Docker,
}

impl ImageBuilder {
    /// Connects to the local Docker engine (the one `DOCKER_HOST` names,
    /// when set) and negotiates the API version.
    pub async fn connect() -> Result<Self, ImageError> {
        let engine = |context: &str| {
            let context = context.to_owned();
            move |source| ImageError::Engine { context, source }
        };
        let docker = Docker::connect_with_local_defaults()
            .map_err(engine("connecting to the Docker engine"))?
            .negotiate_version()
            .await
            .map_err(engine("negotiating the Docker API version"))?;
        Ok(Self { docker })
    }

    /// Builds each of `catalog`'s named images (all when `names` is empty)
    /// unless it is present and current; `force` rebuilds anyway. The base
    /// image is built first when anything needs it. Reports progress
    /// through `progress`.
    pub async fn ensure(
        &self,
        catalog: &ImageCatalog,
        names: &[String],
        force: bool,
        progress: &(dyn Fn(&str, &str) + Sync),
    ) -> Result<(), ImageError> {
        catalog.ensure(&self.docker, names, force, progress).await
    }
}

/// The image build contexts Sandpit knows, by name.
#[derive(Debug, Clone, Default)]
pub struct ImageCatalog {
    images: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
}

impl ImageCatalog {
    /// The images embedded in the binary.
    pub fn bundled() -> Self {
        let mut catalog = Self::default();
        for path in Bundled::iter() {
            if let (Some((name, rest)), Some(file)) = (path.split_once('/'), Bundled::get(&path)) {
                catalog
                    .images
                    .entry(name.to_owned())
                    .or_default()
                    .insert(rest.to_owned(), file.data.into_owned());
            }
        }
        catalog
    }

    /// The images in a directory laid out like `images/`.
    pub fn from_dir(dir: &Path) -> std::io::Result<Self> {
        let mut catalog = Self::default();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut files = BTreeMap::new();
            let mut stack = vec![entry.path()];
            while let Some(d) = stack.pop() {
                for f in std::fs::read_dir(&d)? {
                    let f = f?;
                    if f.file_type()?.is_dir() {
                        stack.push(f.path());
                    } else {
                        let rel = f
                            .path()
                            .strip_prefix(entry.path())
                            .map_err(std::io::Error::other)?
                            .to_string_lossy()
                            .into_owned();
                        files.insert(rel, std::fs::read(f.path())?);
                    }
                }
            }
            catalog.images.insert(name, files);
        }
        Ok(catalog)
    }

    /// This catalog and the image of Sandpit itself, `server`: the
    /// Dockerfile in `deploy/compose/` FROM the base image, with `binary`
    /// (the running `sandpit`) beside it. Its hash covers the binary, so a
    /// new build makes a new image.
    pub fn with_server(mut self, binary: Vec<u8>) -> Self {
        self.images.insert(
            SERVER.to_owned(),
            BTreeMap::from([
                (
                    "Dockerfile".to_owned(),
                    include_bytes!("../../deploy/compose/Dockerfile").to_vec(),
                ),
                ("sandpit".to_owned(), binary),
            ]),
        );
        self
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.images.keys().map(String::as_str)
    }

    pub fn tag(name: &str) -> String {
        format!("{IMAGE_PREFIX}{name}")
    }

    /// The exact image a sandbox of `name` starts from: the tag of this
    /// catalog's version of its files.
    pub fn reference(&self, name: &str) -> String {
        format!("{IMAGE_PREFIX}{name}:{}", self.hash(name))
    }

    /// A hash of an image's files; dependents also hash the base's files, so
    /// that a new base rebuilds everything above it.
    fn hash(&self, name: &str) -> String {
        let mut h = Sha256::new();
        let mut feed = |image: &str| {
            for (path, data) in self.images.get(image).into_iter().flatten() {
                h.update(image.as_bytes());
                h.update([0]);
                h.update(path.as_bytes());
                h.update([0]);
                h.update((data.len() as u64).to_le_bytes());
                h.update(data);
            }
        };
        if name != "base" {
            feed("base");
        }
        feed(name);
        hex::encode(&h.finalize()[..16])
    }

    /// Builds each named image (all when `names` is empty) unless it is
    /// present and current; `force` rebuilds anyway. The base image is built
    /// first when anything needs it. Reports progress through `progress`.
    async fn ensure(
        &self,
        docker: &Docker,
        names: &[String],
        force: bool,
        progress: &(dyn Fn(&str, &str) + Sync),
    ) -> Result<(), ImageError> {
        let known = || self.images.keys().cloned().collect::<Vec<_>>().join(", ");
        let mut wanted: Vec<String> = if names.is_empty() {
            self.images.keys().cloned().collect()
        } else {
            names.to_vec()
        };
        for n in &wanted {
            if !self.images.contains_key(n) {
                return Err(ImageError::Unknown(n.clone(), known()));
            }
        }
        // Another Sandpit process may be building the same images.
        let _lock = crate::lock::machine_lock("images").await;
        wanted.sort_by_key(|n| n != "base");
        if wanted.iter().any(|n| n != "base") && !wanted.iter().any(|n| n == "base") {
            wanted.insert(0, "base".into());
        }
        let mut rebuilt_base = false;
        for name in &wanted {
            let hash = self.hash(name);
            let explicitly = names.is_empty() || names.contains(name);
            let must =
                (force && explicitly) || rebuilt_base || !self.present(docker, name, &hash).await?;
            if !must {
                progress(name, "up to date");
                continue;
            }
            if name == "base" {
                let spec =
                    self.images["base"]
                        .get("image.toml")
                        .ok_or_else(|| ImageError::Build {
                            image: "base".into(),
                            message: "images/base/image.toml is missing".into(),
                        })?;
                base::build(
                    docker,
                    spec,
                    &Self::tag("base"),
                    LABEL_HASH,
                    &hash,
                    progress,
                )
                .await?;
                tag_as(docker, &Self::tag("base"), "base", &hash).await?;
                rebuilt_base = true;
            } else {
                self.build_dockerfile(docker, name, &hash, progress).await?;
            }
            progress(name, "built");
        }
        Ok(())
    }

    /// Whether this catalog's version of `name` is on the engine. An image
    /// built before versioned tags existed (only `latest`, with the right
    /// hash label) is tagged and counts.
    async fn present(&self, docker: &Docker, name: &str, hash: &str) -> Result<bool, ImageError> {
        if exists(docker, &self.reference(name)).await? {
            return Ok(true);
        }
        let latest = format!("{}:latest", Self::tag(name));
        let labelled = match docker.inspect_image(&latest).await {
            Ok(image) => image
                .config
                .and_then(|c| c.labels)
                .and_then(|l| l.get(LABEL_HASH).cloned())
                .is_some_and(|h| h == hash),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => false,
            Err(source) => {
                return Err(ImageError::Engine {
                    context: format!("inspecting image {latest}"),
                    source,
                });
            }
        };
        if labelled {
            tag_as(docker, &latest, name, hash).await?;
        }
        Ok(labelled)
    }

    async fn build_dockerfile(
        &self,
        docker: &Docker,
        name: &str,
        hash: &str,
        progress: &(dyn Fn(&str, &str) + Sync),
    ) -> Result<(), ImageError> {
        build_context(docker, name, &self.images[name], hash, progress).await
    }
}

/// Builds `sandpit/<name>` from an in-memory build context holding a
/// Dockerfile, labelled with `hash`.
async fn build_context(
    docker: &Docker,
    name: &str,
    files: &BTreeMap<String, Vec<u8>>,
    hash: &str,
    progress: &(dyn Fn(&str, &str) + Sync),
) -> Result<(), ImageError> {
    let fail = |message: String| ImageError::Build {
        image: name.into(),
        message,
    };
    if !files.contains_key("Dockerfile") {
        return Err(fail("no Dockerfile".into()));
    }
    let mut tar = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        // Programs (a binary, a script) keep their execute bit, so that a
        // Dockerfile need not copy them twice to change it.
        let program = data.starts_with(b"\x7fELF") || data.starts_with(b"#!");
        header.set_mode(if program { 0o755 } else { 0o644 });
        header.set_cksum();
        tar.append_data(&mut header, path, data.as_slice())
            .map_err(|e| fail(format!("packing the build context: {e}")))?;
    }
    let context = tar
        .into_inner()
        .map_err(|e| fail(format!("packing the build context: {e}")))?;
    let labels = std::collections::HashMap::from([(LABEL_HASH.to_owned(), hash.to_owned())]);
    let versioned = format!("{}:{hash}", ImageCatalog::tag(name));
    let options = BuildImageOptionsBuilder::new()
        .t(&versioned)
        .rm(true)
        .forcerm(true)
        .labels(&labels)
        .build();
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(info) = stream.next().await {
        let info = info.map_err(|e| fail(e.to_string()))?;
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            return Err(fail(detail));
        }
        if let Some(line) = info
            .stream
            .as_deref()
            .map(str::trim_end)
            .filter(|l| l.starts_with("Step "))
        {
            progress(name, line);
        }
    }
    // `latest` follows the newest build, for people and for `FROM`.
    tag_as(docker, &versioned, name, "latest").await
}

/// Tags the image `from` as `sandpit/<name>:<tag>`.
async fn tag_as(docker: &Docker, from: &str, name: &str, tag: &str) -> Result<(), ImageError> {
    let repo = ImageCatalog::tag(name);
    docker
        .tag_image(
            from,
            Some(
                bollard::query_parameters::TagImageOptionsBuilder::new()
                    .repo(&repo)
                    .tag(tag)
                    .build(),
            ),
        )
        .await
        .map_err(|source| ImageError::Engine {
            context: format!("tagging {from} as {repo}:{tag}"),
            source,
        })
}

/// Whether the engine has an image by that reference.
async fn exists(docker: &Docker, reference: &str) -> Result<bool, ImageError> {
    match docker.inspect_image(reference).await {
        Ok(_) => Ok(true),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(false),
        Err(source) => Err(ImageError::Engine {
            context: format!("inspecting image {reference}"),
            source,
        }),
    }
}
