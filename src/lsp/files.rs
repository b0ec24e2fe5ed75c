//! The files of a workspace on disk, read once and kept, so a keystroke re-checks
//! from memory: every `.fw` file under the root (hidden folders, `target/`, `out/`
//! and `node_modules/` skipped, as `formwork check` does), `formwork.yaml`, the
//! registry's index and the spec files of the environments and services folders.
//! A file is read again when the editor says it changed on disk or closes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::syntax::span::FileId;
use crate::workspace::config::{CONFIG_FILE, Config, read_config};

const SKIPPED_DIRS: &[&str] = &["target", "out", "node_modules"];

/// What a file is to its workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Template,
    Config,
    Index,
    Environment,
    Service,
}

/// A workspace's files as last read from disk.
#[derive(Debug, Default)]
pub struct Disk {
    pub root: PathBuf,
    pub config: Config,
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Disk {
    /// Reads the workspace rooted at `root` (a folder holding `formwork.yaml`).
    pub fn read(root: &Path) -> Disk {
        let mut disk = Disk {
            root: root.to_path_buf(),
            ..Disk::default()
        };
        disk.rescan();
        disk
    }

    /// Lists and reads every file again.
    pub fn rescan(&mut self) {
        self.files.clear();
        let config_path = self.root.join(CONFIG_FILE);
        if let Ok(bytes) = std::fs::read(&config_path) {
            let (config, _) = read_config(FileId(u32::MAX), &String::from_utf8_lossy(&bytes));
            self.config = config;
            self.files.insert(config_path, bytes);
        }
        let mut found = Vec::new();
        walk(&self.root, &mut found);
        let index = self
            .root
            .join(&self.config.folders.registry)
            .join(crate::versions::registry::INDEX_FILE);
        found.push(index);
        for folder in [
            &self.config.folders.environments,
            &self.config.folders.services,
        ] {
            if let Ok(entries) = std::fs::read_dir(self.root.join(folder)) {
                found.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            }
        }
        for p in found {
            if self.kind(&p).is_some()
                && p.is_file()
                && let Ok(bytes) = std::fs::read(&p)
            {
                self.files.insert(p, bytes);
            }
        }
    }

    /// Reads one file again (gone from disk: forgotten).
    pub fn reread(&mut self, path: &Path) {
        if path.file_name().is_some_and(|n| n == CONFIG_FILE) && path.parent() == Some(&self.root) {
            // The folders may have moved.
            self.rescan();
            return;
        }
        match std::fs::read(path) {
            Ok(bytes) if self.kind(path).is_some() => {
                self.files.insert(path.to_path_buf(), bytes);
            }
            _ => {
                self.files.remove(path);
            }
        }
    }

    /// What `path` is to this workspace, when it is one of its files.
    pub fn kind(&self, path: &Path) -> Option<Kind> {
        let rel = path.strip_prefix(&self.root).ok()?;
        if rel == Path::new(CONFIG_FILE) {
            return Some(Kind::Config);
        }
        let folders = &self.config.folders;
        if rel == Path::new(&folders.registry).join(crate::versions::registry::INDEX_FILE) {
            return Some(Kind::Index);
        }
        let ext = path.extension().and_then(|e| e.to_str())?;
        if ext == "fw" {
            let hidden = rel.components().any(|c| {
                let s = c.as_os_str().to_string_lossy();
                s.starts_with('.') || SKIPPED_DIRS.contains(&s.as_ref())
            });
            return (!hidden).then_some(Kind::Template);
        }
        if !matches!(ext, "yaml" | "yml" | "json") {
            return None;
        }
        let parent = rel.parent()?;
        if parent == Path::new(&folders.environments) {
            Some(Kind::Environment)
        } else if parent == Path::new(&folders.services) {
            Some(Kind::Service)
        } else {
            None
        }
    }
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "fw") {
            found.push(path);
        }
    }
}

/// The workspace `path` is in: the nearest folder above it holding `formwork.yaml`.
pub fn workspace_of(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|d| d.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
}
