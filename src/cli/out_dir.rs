//! The output folder of `formwork build`: what it may replace, the lock that keeps two
//! builds out of each other's way, and the swap that puts a new tree in place.
//!
//! - `build` replaces only a folder it made (one holding formwork's `manifest.json`)
//!   or an empty one, never a file, a symbolic link, or a folder holding the workspace.
//! - A lock file beside the output (`.NAME.formwork-lock`, an OS lock held for the
//!   whole build): a second build into the same folder waits for the first.
//! - On Linux the new tree and the old one are exchanged in one `renameat2` call
//!   (`RENAME_EXCHANGE`), so a reader, or a build killed at any point, sees the old
//!   tree or the new one. Elsewhere the swap is two renames, and a build killed between
//!   them leaves the old tree beside the output, which the next build puts back.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::cli::sources::io_reason;

/// Why a folder cannot be built into: the message, and what to do (`E0506`).
pub struct Refusal {
    pub message: String,
    pub help: Option<String>,
}

impl Refusal {
    pub fn new(message: String, help: Option<&str>) -> Refusal {
        Refusal {
            message,
            help: help.map(str::to_string),
        }
    }

    /// An I/O failure on the output folder, with the OS's reason.
    pub fn io(message: String) -> Refusal {
        Refusal::new(
            message,
            Some("check that the folder above it exists and that you may write there"),
        )
    }

    /// The refusal as a diagnostic (`E0506`): it has no place in a source file.
    pub fn diagnostic(&self) -> crate::diagnostics::Diagnostic {
        let d = crate::diagnostics::Diagnostic::new(
            crate::diagnostics::codes::OUTPUT_FOLDER,
            self.message.clone(),
        );
        match &self.help {
            Some(h) => d.with_help(h.clone()),
            None => d,
        }
    }
}

fn file_name(out: &Path) -> String {
    out.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into())
}

fn parent(out: &Path) -> &Path {
    out.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `out` → `.out.formwork-WHAT-PID` beside it.
pub fn sibling(out: &Path, what: &str) -> PathBuf {
    parent(out).join(format!(
        ".{}.formwork-{what}-{}",
        file_name(out),
        std::process::id()
    ))
}

/// Whether `dir` holds a manifest formwork wrote: a JSON object with its `formwork`
/// version and its `artifacts`.
fn made_by_formwork(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        return false;
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    v.get("formwork").is_some_and(serde_json::Value::is_string)
        && v.get("artifacts").is_some_and(serde_json::Value::is_array)
}

/// Whether `out` may be replaced by a build of the workspace at `workspace`.
pub fn check_target(out: &Path, workspace: &Path) -> Result<(), Refusal> {
    let shown = out.display();
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Refusal::io(format!(
                "cannot read `{shown}`: {}",
                io_reason(&e)
            )));
        }
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(out)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "TARGET".into());
        return Err(Refusal::new(
            format!(
                "`{shown}` is a symbolic link: `build` replaces its output folder whole, and never through a link"
            ),
            Some(&format!(
                "build into the folder itself (`-o {target}`), or into a new one"
            )),
        ));
    }
    if !meta.is_dir() {
        return Err(Refusal::new(
            format!("`{shown}` is a file, not a folder: `build` writes a folder of artifacts"),
            Some("name a folder that does not exist yet, or one an earlier build made"),
        ));
    }
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if canon(workspace).starts_with(canon(out)) {
        return Err(Refusal::new(
            format!(
                "`{shown}` holds the workspace itself: building into it would replace its templates and specs"
            ),
            Some("build into a folder of its own, like the default `out/`"),
        ));
    }
    let empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if empty || made_by_formwork(out) {
        return Ok(());
    }
    Err(Refusal::new(
        format!(
            "`{shown}` holds files that no formwork build wrote (it has no formwork `manifest.json`): `build` replaces its output folder whole, and will not delete them"
        ),
        Some("build into a new folder, or empty this one first"),
    ))
}

/// The lock beside an output folder, held until dropped (the OS releases it when the
/// process ends, however it ends).
pub struct Lock {
    _file: File,
}

/// Takes the lock for building into `out`; when another build holds it, says so and
/// waits for it.
pub fn lock(out: &Path, waiting: impl FnOnce()) -> Result<Lock, Refusal> {
    let dir = parent(out);
    std::fs::create_dir_all(dir).map_err(|e| {
        Refusal::io(format!(
            "cannot create `{}`: {}",
            dir.display(),
            io_reason(&e)
        ))
    })?;
    let path = dir.join(format!(".{}.formwork-lock", file_name(out)));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            Refusal::io(format!(
                "cannot open the lock `{}`: {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            file.lock().map_err(|e| {
                Refusal::io(format!(
                    "cannot lock `{}`: {}",
                    path.display(),
                    io_reason(&e)
                ))
            })?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Refusal::io(format!(
                "cannot lock `{}`: {}",
                path.display(),
                io_reason(&e)
            )));
        }
    }
    Ok(Lock { _file: file })
}

/// What a killed build left beside `out` (with the lock held): an old tree moved aside
/// when `out` is gone is put back; staging trees are removed.
pub fn recover(out: &Path) {
    let prefix = format!(".{}.formwork-", file_name(out));
    let Ok(entries) = std::fs::read_dir(parent(out)) else {
        return;
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&prefix) && !n.ends_with("-lock")
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    for p in found {
        let old = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{prefix}old-")));
        if old && std::fs::symlink_metadata(out).is_err() {
            // The build was killed between its two renames: the old tree is the output.
            if std::fs::rename(&p, out).is_ok() {
                continue;
            }
        }
        remove_tree(&p);
    }
}

/// Replaces `out` with `staging`. Readers see the old tree or the new one.
pub fn swap_in(staging: &Path, out: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(out).is_err() {
        std::fs::create_dir_all(parent(out))?;
        return std::fs::rename(staging, out);
    }
    if exchange(staging, out)? {
        // `staging` now names the old tree.
        remove_tree(staging);
        return Ok(());
    }
    let old = sibling(out, "old");
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    remove_tree(&old);
    Ok(())
}

/// Exchanges two paths atomically where the system can; `false` where it cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let to_c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (ca, cb) = (to_c(a)?, to_c(b)?);
    // SAFETY: both are valid NUL-terminated paths that live across the call;
    // `renameat2` reads them and touches no other memory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // The file system or kernel does not support it: fall back.
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ENOTSUP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Removes a build tree, its folders two levels down in parallel (a tree of many
/// instances is thousands of entries). Links are removed, never followed.
pub fn remove_tree(dir: &Path) {
    use rayon::prelude::*;
    let mut folders = Vec::new();
    for top in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if !top.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        for second in std::fs::read_dir(top.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            folders.push((second.path(), second.file_type().is_ok_and(|t| t.is_dir())));
        }
    }
    folders.par_iter().for_each(|(f, is_dir)| {
        let _ = if *is_dir {
            std::fs::remove_dir_all(f)
        } else {
            std::fs::remove_file(f)
        };
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("formwork-out-dir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("scratch folder");
        d
    }

    #[test]
    fn recover_puts_back_a_tree_moved_aside_and_removes_staging() {
        let d = scratch("recover");
        let out = d.join("out");
        std::fs::create_dir_all(d.join(".out.formwork-old-7")).expect("mkdir");
        std::fs::write(d.join(".out.formwork-old-7/manifest.json"), "{}").expect("write");
        std::fs::create_dir_all(d.join(".out.formwork-new-8/x")).expect("mkdir");
        std::fs::write(d.join(".out.formwork-lock"), "").expect("write");
        recover(&out);
        assert!(
            out.join("manifest.json").is_file(),
            "the old tree was not put back"
        );
        assert!(!d.join(".out.formwork-new-8").exists());
        assert!(d.join(".out.formwork-lock").exists());
        // With `out` in place, an old tree beside it is what a finished swap left.
        std::fs::create_dir_all(d.join(".out.formwork-old-9")).expect("mkdir");
        recover(&out);
        assert!(!d.join(".out.formwork-old-9").exists());
        assert!(out.join("manifest.json").is_file());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn swap_exchanges_a_tree_in_whole() {
        let d = scratch("swap");
        let out = d.join("out");
        std::fs::create_dir_all(&out).expect("mkdir");
        std::fs::write(out.join("old"), "1").expect("write");
        let staging = d.join(".out.formwork-new-1");
        std::fs::create_dir_all(&staging).expect("mkdir");
        std::fs::write(staging.join("new"), "2").expect("write");
        swap_in(&staging, &out).expect("swap");
        assert!(out.join("new").is_file() && !out.join("old").exists());
        assert!(!staging.exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
