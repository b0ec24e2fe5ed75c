//! What the server holds between messages: the open documents (their text, with
//! full and incremental changes applied), each workspace's files from disk, and the
//! last check of each workspace with what was published from it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lsp_types::TextDocumentContentChangeEvent;

use super::analysis::{self, Analysis};
use super::convert::{self, Encoding};
use super::files::{self, Disk};

/// An open document: the editor's text, not the disk's.
pub struct Document {
    pub version: i32,
    pub text: String,
}

/// A workspace's root, or `None` for the files open outside every workspace.
pub type Group = Option<PathBuf>;

#[derive(Default)]
pub struct State {
    pub encoding: Option<Encoding>,
    pub documents: BTreeMap<PathBuf, Document>,
    pub workspaces: BTreeMap<PathBuf, Disk>,
    pub analyses: BTreeMap<Group, Analysis>,
    /// The groups whose files changed since their last check.
    pub dirty: BTreeSet<Group>,
    /// Each workspace's parsed files, kept between checks.
    pub parse_caches: BTreeMap<PathBuf, crate::check::ParseCache>,
    /// What each workspace's last check found, for the next to re-check less.
    pub previous: BTreeMap<PathBuf, super::incremental::Previous>,
    /// Where the code pages were written (`codeDescription` points there).
    pub pages: Option<PathBuf>,
}

impl State {
    pub fn enc(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Utf16)
    }

    /// Adds the workspace at `root` (a folder holding `formwork.yaml`) and marks it
    /// for checking.
    pub fn add_workspace(&mut self, root: &Path) {
        if !self.workspaces.contains_key(root) {
            self.workspaces.insert(root.to_path_buf(), Disk::read(root));
            self.dirty.insert(Some(root.to_path_buf()));
        }
    }

    /// The group `path` belongs to: its workspace (read now when new), or none.
    pub fn group_of(&mut self, path: &Path) -> Group {
        if let Some(root) = self
            .workspaces
            .keys()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
        {
            return Some(root.clone());
        }
        let root = files::workspace_of(path)?;
        self.add_workspace(&root);
        Some(root)
    }

    pub fn open(&mut self, path: PathBuf, version: i32, text: String) {
        let group = self.group_of(&path);
        self.documents.insert(path, Document { version, text });
        self.dirty.insert(group);
    }

    /// Applies the editor's changes in order: a change without a range replaces the
    /// text; one with a range replaces that range.
    pub fn change(
        &mut self,
        path: &Path,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        let enc = self.enc();
        let Some(doc) = self.documents.get_mut(path) else {
            return;
        };
        for c in changes {
            match c.range {
                None => doc.text = c.text,
                Some(r) => {
                    let starts = convert::line_starts(&doc.text);
                    let a = convert::offset(&doc.text, &starts, r.start, enc);
                    let b = convert::offset(&doc.text, &starts, r.end, enc).max(a);
                    doc.text.replace_range(a..b, &c.text);
                }
            }
        }
        doc.version = version;
        let group = self.group_of(path);
        self.dirty.insert(group);
    }

    /// Closes a document: its workspace reads the disk's copy again.
    pub fn close(&mut self, path: &Path) {
        self.documents.remove(path);
        self.disk_changed(path);
    }

    /// The file at `path` changed on disk (saved, created, deleted).
    pub fn disk_changed(&mut self, path: &Path) {
        let group = self.group_of(path);
        if let Some(root) = &group
            && let Some(disk) = self.workspaces.get_mut(root)
        {
            disk.reread(path);
            // What the disk holds changed under the server: check everything again.
            if let Some(p) = self.previous.get_mut(root) {
                p.stale = true;
            }
        }
        self.dirty.insert(group);
    }

    /// Checks each dirty group again; the groups checked.
    pub fn recheck(&mut self) -> Vec<Group> {
        let groups: Vec<Group> = std::mem::take(&mut self.dirty).into_iter().collect();
        for g in &groups {
            let analysis = match g {
                Some(root) => {
                    let Some(disk) = self.workspaces.get(root) else {
                        continue;
                    };
                    let open = self.open_texts(|p| p.starts_with(root));
                    let cache = self.parse_caches.entry(root.clone()).or_default();
                    let previous = self.previous.entry(root.clone()).or_default();
                    analysis::check_workspace(disk, &open, cache, previous)
                }
                None => {
                    let roots: Vec<&PathBuf> = self.workspaces.keys().collect();
                    let open = self.open_texts(|p| !roots.iter().any(|r| p.starts_with(r)));
                    analysis::check_loose(&open)
                }
            };
            self.analyses.insert(g.clone(), analysis);
        }
        groups
    }

    fn open_texts(&self, keep: impl Fn(&Path) -> bool) -> BTreeMap<PathBuf, String> {
        self.documents
            .iter()
            .filter(|(p, _)| keep(p))
            .map(|(p, d)| (p.clone(), d.text.clone()))
            .collect()
    }

    /// The analysis that holds `path`, and the file's id in it.
    pub fn analysis_of(&self, path: &Path) -> Option<(&Analysis, crate::syntax::span::FileId)> {
        self.analyses
            .values()
            .find_map(|a| a.file_of(path).map(|id| (a, id)))
    }
}
